package submission

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeManifest(t *testing.T, body string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "carol")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestManifestOfTheContract(t *testing.T) {
	dir := writeManifest(t, `student: alice@example.edu          # default: the folder's name
servers:
  - cmd: node sectionA/ws-server.js
    exercises: [q2, q5]
  - cmd: node server.js
    exercises: [q15-q20, q22-q24]
    namespace-prefix: "/q{n}"
pages: { q6: web/backoff.html }
answers: docs/answers.md
nginx: deploy/site.conf
`)
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{File: filepath.Join(dir, ManifestFile), Student: "alice@example.edu",
		Servers: []Server{
			{Cmd: "node sectionA/ws-server.js", Exercises: []string{"q2", "q5"}, Line: 3},
			{Cmd: "node server.js", Exercises: []string{"q15", "q16", "q17", "q18", "q19", "q20", "q22", "q23", "q24"}, NamespacePrefix: "/q{n}", Line: 5},
		},
		Pages: map[string]string{"q6": "web/backoff.html"}, Answers: "docs/answers.md", Nginx: "deploy/site.conf"}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got  %+v\nwant %+v", m, want)
	}
}

func TestManifestConventions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dave")
	os.MkdirAll(dir, 0o755)
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Student != "dave" || len(m.Servers) != 0 || m.Answers != "answers.md" || m.Nginx != "nginx/q8.conf" {
		t.Errorf("without package.json: %+v", m)
	}
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{}`), 0o644)
	m, _ = ReadManifest(dir)
	if len(m.Servers) != 1 || m.Servers[0].Cmd != "npm start" || m.Servers[0].Exercises != nil {
		t.Errorf("with package.json: %+v", m.Servers)
	}
}

// TestManifestErrorsNameFileLineField: each mistake is named by the file,
// its line and the field, with what is wrong.
func TestManifestErrorsNameFileLineField(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"student: a\nsever: []\n", `rtlab.yaml:2: sever: unknown field`},
		{"servers:\n  - cmd: node a.js\n    exercise: [q2]\n", `rtlab.yaml:3: servers[0].exercise: unknown field`},
		{"servers:\n  - exercises: [q2]\n", `rtlab.yaml:2: servers[0].cmd: missing`},
		{"servers:\n  - cmd: node a.js\n    exercises: [q2, q20-q15]\n", `rtlab.yaml:3: servers[0].exercises[1]: "q20-q15": the range runs backwards`},
		{"servers:\n  - cmd: node a.js\n    exercises: [q2, bogus]\n", `rtlab.yaml:3: servers[0].exercises[1]: "bogus" is not an exercise id`},
		{"servers:\n  - cmd: node a.js\n    namespace-prefix: q{n}\n", `rtlab.yaml:3: servers[0].namespace-prefix: "q{n}" must start with /`},
		{"servers: node a.js\n", `rtlab.yaml:1: servers: want a list of servers`},
		{"pages: { q7: a.html }\n", `rtlab.yaml:1: pages.q7: "q7" has no page`},
		{"answers: /etc/passwd\n", `rtlab.yaml:1: answers: "/etc/passwd" is outside the submission`},
		{"nginx: ../bob/q8.conf\n", `rtlab.yaml:1: nginx: "../bob/q8.conf" is outside the submission`},
		{"student: a\nservers: {\n", `rtlab.yaml:2: not valid YAML`},
	} {
		dir := writeManifest(t, tc.body)
		_, err := ReadManifest(dir)
		var me *ManifestError
		if err == nil || !asManifestError(err, &me) {
			t.Errorf("%q: err %v, want a *ManifestError", tc.body, err)
			continue
		}
		got := strings.TrimPrefix(err.Error(), dir+string(filepath.Separator))
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%q:\n got %s\nwant %s…", tc.body, got, tc.want)
		}
	}
}

func asManifestError(err error, me **ManifestError) bool {
	e, ok := err.(*ManifestError)
	*me = e
	return ok
}
