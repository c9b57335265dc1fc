package engineio

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CORSOptions configures cross-origin headers the way the npm `cors`
// package does for the JavaScript server's `cors` option, so that a browser
// client sees the same answers from either server.
type CORSOptions struct {
	// Origins allowed. Empty or {"*"}: "Access-Control-Allow-Origin: *".
	// One origin: sent as is on every answer. Several: the request's Origin
	// is echoed when it is listed, and nothing is sent otherwise.
	Origins []string
	// Credentials adds "Access-Control-Allow-Credentials: true". Default false.
	Credentials bool
	// Methods for preflight answers. Default GET,HEAD,PUT,PATCH,POST,DELETE.
	Methods []string
	// AllowedHeaders for preflight answers. Default: echo the request's
	// Access-Control-Request-Headers.
	AllowedHeaders []string
	// ExposedHeaders, when set, are listed in Access-Control-Expose-Headers.
	ExposedHeaders []string
	// MaxAge, when positive, is sent (in seconds) on preflight answers.
	MaxAge time.Duration
}

var defaultCORSMethods = []string{"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"}

// apply writes the CORS headers for r and reports whether r was a preflight
// request, which has then been answered (204).
func (o *CORSOptions) apply(w http.ResponseWriter, r *http.Request) (answered bool) {
	h := w.Header()
	var vary []string
	vary = o.setOrigin(h, r, vary)
	if o.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method != http.MethodOptions {
		o.setExposed(h)
		setVary(h, vary)
		return false
	}
	methods := o.Methods
	if len(methods) == 0 {
		methods = defaultCORSMethods
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ","))
	if len(o.AllowedHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(o.AllowedHeaders, ","))
	} else {
		vary = append(vary, "Access-Control-Request-Headers")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
	}
	if o.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(int(o.MaxAge/time.Second)))
	}
	o.setExposed(h)
	setVary(h, vary)
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}

func (o *CORSOptions) setOrigin(h http.Header, r *http.Request, vary []string) []string {
	switch {
	case len(o.Origins) == 0 || (len(o.Origins) == 1 && o.Origins[0] == "*"):
		h.Set("Access-Control-Allow-Origin", "*")
	case len(o.Origins) == 1:
		h.Set("Access-Control-Allow-Origin", o.Origins[0])
		vary = append(vary, "Origin")
	default:
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(o.Origins, origin) {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		vary = append(vary, "Origin")
	}
	return vary
}

// setVary writes one Vary header, as the cors package does.
func setVary(h http.Header, vary []string) {
	if len(vary) > 0 {
		h.Set("Vary", strings.Join(vary, ", "))
	}
}

func (o *CORSOptions) setExposed(h http.Header) {
	if len(o.ExposedHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(o.ExposedHeaders, ","))
	}
}
