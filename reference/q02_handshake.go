package reference

func init() {
	Register(&Exercise{
		ID:       "q2",
		New:      newWSExercise("q2", q2Variants),
		Variants: []string{"bad-accept", "any-version", "no-key-check"},
	})
}

var q2Variants = map[string]wsFaults{
	"bad-accept":   {badAccept: true},
	"any-version":  {anyVersion: true},
	"no-key-check": {noKeyCheck: true},
}

// newWSExercise builds Q2's and Q5's server: the raw echo at /ws and a page
// at / that talks to it.
func newWSExercise(id string, variants map[string]wsFaults) func(*Options) (Server, error) {
	return func(opts *Options) (Server, error) {
		o := opts.withDefaults()
		names := make([]string, 0, len(variants))
		for n := range variants {
			names = append(names, n)
		}
		if err := checkVariant(id, o.Variant, names); err != nil {
			return nil, err
		}
		echo := newWSEcho(variants[o.Variant])
		s := newServer()
		s.Handle("/ws", echo)
		s.Handle("/", publicDir("ws"))
		s.onClose(echo.Close)
		return s, nil
	}
}
