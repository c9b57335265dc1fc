package reference

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"rtlab/internal/exercise"
)

func init() { registerVariants("q6", variantNames(q6Variants), newQ6) }

// q6Variants are the mistakes of a reconnecting client, each made by
// editing one line of the reference page: the text the reference has, and
// what the broken page has instead.
var q6Variants = map[string][2]string{
	// Retries every BASE milliseconds: the server is hammered while down.
	"fixed-delay": {"Math.min(MAX, BASE * 2 ** attempt)", "BASE"},
	// Doubles for ever: after a long outage the client waits for hours.
	"no-cap": {"Math.min(MAX, BASE * 2 ** attempt)", "BASE * 2 ** attempt"},
	// Never forgets old failures: after one outage every later drop waits MAX.
	"never-reset": {"attempt = 0; // reset", "// (no reset)"},
}

// Q6's page is graded, not its server: the grader loads the page served
// here in headless Chromium, against a WebSocket server of its own. This
// server only serves the page (the reference, or a broken variant of it).
func newQ6(o Options) (Server, error) {
	s := newServer()
	if o.Variant == "" {
		s.Handle("/", publicDir("q6"))
		return s, nil
	}
	page, err := q6Page(o.Variant)
	if err != nil {
		return nil, err
	}
	s.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && r.URL.Path != "/index.html" {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(page))
	})
	return s, nil
}

// q6Page is the reference page with the variant's one edit.
func q6Page(variant string) ([]byte, error) {
	page, err := fs.ReadFile(public, "public/"+exercise.Stem("q6")+"/index.html")
	if err != nil {
		return nil, err
	}
	edit := q6Variants[variant]
	if !bytes.Contains(page, []byte(edit[0])) {
		return nil, fmt.Errorf("reference q6: variant %s: the page no longer contains %q", variant, edit[0])
	}
	return bytes.Replace(page, []byte(edit[0]), []byte(edit[1]), 1), nil
}
