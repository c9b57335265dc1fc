package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// readmeYAML returns the YAML blocks of the README's "Beyond one machine"
// section, in order: the GitHub Actions workflow, then the Kubernetes
// manifests.
func readmeYAML(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "### Beyond one machine")
	if !ok {
		t.Fatal(`README.md has no "### Beyond one machine" section`)
	}
	if i := strings.Index(sec, "\n## "); i >= 0 {
		sec = sec[:i]
	}
	var blocks []string
	for {
		_, rest, ok := strings.Cut(sec, "```yaml\n")
		if !ok {
			break
		}
		block, after, _ := strings.Cut(rest, "```")
		blocks = append(blocks, block)
		sec = after
	}
	if len(blocks) != 2 {
		t.Fatalf("the section has %d YAML blocks; want the workflow and the Kubernetes manifests", len(blocks))
	}
	return blocks
}

// shellWords splits a command line as sh would for the plain commands of
// the README (words, double quotes), expanding globs in dir.
func shellWords(t *testing.T, line, dir string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	flush := func() {
		if !inWord {
			return
		}
		w := cur.String()
		if strings.Contains(w, "*") {
			m, _ := filepath.Glob(filepath.Join(dir, w))
			if len(m) == 0 {
				t.Fatalf("%q matches nothing in %s", w, dir)
			}
			for _, p := range m {
				rel, _ := filepath.Rel(dir, p)
				words = append(words, rel)
			}
		} else {
			words = append(words, w)
		}
		cur.Reset()
		inWord = false
	}
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
			inWord = true
		case (r == ' ' || r == '\t') && !quoted:
			flush()
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return words
}

// rtlabArgs returns the arguments of an rtlab command line (its program
// named rtlab, perhaps under sudo), nil for another command.
func rtlabArgs(words []string) []string {
	if len(words) > 0 && words[0] == "sudo" {
		words = words[1:]
		for len(words) > 0 && strings.HasPrefix(words[0], "-") {
			words = words[1:]
		}
	}
	if len(words) == 0 || filepath.Base(words[0]) != "rtlab" {
		return nil
	}
	return words[1:]
}

// runRtlab runs an rtlab command of the README in-process, in dir.
func runRtlab(t *testing.T, args []string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("rtlab %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
}

// sameReport fails t when the class graded at once and the merged shards
// differ in their gradebook or index.
func sameReport(t *testing.T, whole, merged string) {
	t.Helper()
	for _, f := range []string{"gradebook.csv", "index.html"} {
		a, errA := os.ReadFile(filepath.Join(whole, f))
		b, errB := os.ReadFile(filepath.Join(merged, f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: the merged shards differ from the class graded at once (%v, %v)", f, errA, errB)
		}
	}
}

// The README's GitHub Actions workflow, run locally: every rtlab command
// of the matrix job once per shard, the artifacts as download-artifact
// with merge-multiple lays them out, then the merge job's command. The
// merged report is the class graded at once.
func TestReadmeGitHubActions(t *testing.T) {
	useFakeClassGrader(t)
	var wf struct {
		Jobs map[string]struct {
			Needs    any `yaml:"needs"`
			Strategy struct {
				Matrix struct {
					Shard []int `yaml:"shard"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct {
				Uses string         `yaml:"uses"`
				Run  string         `yaml:"run"`
				With map[string]any `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(readmeYAML(t)[0]), &wf); err != nil {
		t.Fatalf("the README's workflow does not parse: %v", err)
	}
	grade, merge := wf.Jobs["grade"], wf.Jobs["merge"]
	if len(grade.Strategy.Matrix.Shard) < 2 || fmt.Sprint(merge.Needs) != "grade" {
		t.Fatalf("want a grade job with a matrix of shards and a merge job that needs it: %+v", wf)
	}
	// The artifacts: each shard uploads shards/, the merge job downloads
	// every shard-* into shards/ with merge-multiple, so the folders the
	// grade steps write sit side by side as they do here.
	var up, down bool
	for _, s := range grade.Steps {
		up = up || strings.HasPrefix(s.Uses, "actions/upload-artifact") && s.With["path"] == "shards/"
	}
	for _, s := range merge.Steps {
		down = down || strings.HasPrefix(s.Uses, "actions/download-artifact") && s.With["path"] == "shards/" && s.With["merge-multiple"] == true
	}
	if !up || !down {
		t.Fatalf("the workflow's artifacts are not laid out as this test runs it (upload shards/ %v, download into shards/ with merge-multiple %v)", up, down)
	}

	dir := t.TempDir()
	t.Chdir(dir)
	os.MkdirAll("submissions", 0o755)
	tinyClassIn(t, filepath.Join(dir, "submissions"), 9)
	ran := 0
	for _, shard := range grade.Strategy.Matrix.Shard {
		for _, s := range grade.Steps {
			line := strings.ReplaceAll(s.Run, "${{ matrix.shard }}", fmt.Sprint(shard))
			if args := rtlabArgs(shellWords(t, line, dir)); args != nil {
				runRtlab(t, args)
				ran++
			}
		}
	}
	for _, s := range merge.Steps {
		if args := rtlabArgs(shellWords(t, s.Run, dir)); args != nil {
			runRtlab(t, args)
			ran++
		}
	}
	if ran != len(grade.Strategy.Matrix.Shard)+1 {
		t.Fatalf("ran %d rtlab commands; want one per shard and the merge", ran)
	}
	runRtlab(t, []string{"grade", "--class", "submissions", "--out", "whole"})
	sameReport(t, "whole", "class-report")
}

// The README's Kubernetes manifests, run locally: the Indexed Job's
// command once per completion index, JOB_COMPLETION_INDEX set and
// expanded as Kubernetes does, its volumes mapped to folders; then the
// merge Job's command.
func TestReadmeKubernetes(t *testing.T) {
	useFakeClassGrader(t)
	type job struct {
		Kind string `yaml:"kind"`
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int    `yaml:"completions"`
			Template       struct {
				Spec struct {
					Containers []struct {
						Command []string `yaml:"command"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	var jobs []job
	dec := yaml.NewDecoder(strings.NewReader(readmeYAML(t)[1]))
	for {
		var j job
		err := dec.Decode(&j)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the README's Kubernetes manifests do not parse: %v", err)
		}
		jobs = append(jobs, j)
	}
	if len(jobs) != 2 || jobs[0].Kind != "Job" || jobs[0].Spec.CompletionMode != "Indexed" || jobs[0].Spec.Completions < 2 || jobs[1].Kind != "Job" {
		t.Fatalf("want an Indexed Job of several completions, then a merge Job: %+v", jobs)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	os.MkdirAll("class", 0o755)
	os.MkdirAll("reports", 0o755)
	tinyClassIn(t, filepath.Join(dir, "class"), 10)
	// The volumes' mount paths, as folders here.
	local := func(args []string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			for _, m := range []string{"/class", "/reports"} {
				if a == m || strings.HasPrefix(a, m+"/") {
					a = strings.TrimPrefix(a, "/")
				}
			}
			out[i] = a
		}
		return out
	}
	command := func(j job) []string {
		if len(j.Spec.Template.Spec.Containers) != 1 {
			t.Fatalf("want one container per Job")
		}
		return j.Spec.Template.Spec.Containers[0].Command
	}
	for i := range jobs[0].Spec.Completions {
		idx := fmt.Sprint(i)
		t.Setenv("JOB_COMPLETION_INDEX", idx)
		var args []string
		for _, a := range command(jobs[0]) {
			args = append(args, strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", idx))
		}
		if a := rtlabArgs(local(args)); a != nil {
			runRtlab(t, a)
		} else {
			t.Fatalf("the Indexed Job's command is not rtlab: %q", args)
		}
	}
	cmd := command(jobs[1])
	if len(cmd) != 3 || cmd[0] != "sh" || cmd[1] != "-c" {
		t.Fatalf("the merge Job's command: %q; want sh -c LINE (the shell expands the shards' glob)", cmd)
	}
	line := strings.NewReplacer(" /reports/", " reports/").Replace(cmd[2])
	args := rtlabArgs(shellWords(t, line, dir))
	if args == nil {
		t.Fatalf("the merge Job does not run rtlab: %q", cmd[2])
	}
	runRtlab(t, args)
	runRtlab(t, []string{"grade", "--class", "class", "--out", "whole"})
	sameReport(t, "whole", "reports/class")
}
