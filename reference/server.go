package reference

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"

	"rtlab/internal/exercise"
)

// public holds the static pages of the exercises that have one, one folder
// per page named by the exercise's stem (public/q15_setup,
// public/q19_typing …), as a student's Express app serves its public
// folder.
//
//go:embed public
var public embed.FS

// publicDir returns the embedded page folder of exercise id (public/
// q06_backoff for "q6", named by exercise.Stem) or a shared folder by its
// name ("ws") as a file server.
func publicDir(id string) http.Handler {
	sub, err := fs.Sub(public, "public/"+exercise.Stem(id))
	if err != nil {
		panic(err) // a missing folder is a build mistake, caught by every test
	}
	return http.FileServerFS(sub)
}

// server is the usual shape of a reference server: a mux, and what to close
// when it stops.
type server struct {
	*http.ServeMux
	closers []func() error
}

func newServer() *server { return &server{ServeMux: http.NewServeMux()} }

// onClose adds fn to what Close runs, last added first.
func (s *server) onClose(fn func() error) { s.closers = append(s.closers, fn) }

func (s *server) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	return errors.Join(errs...)
}
