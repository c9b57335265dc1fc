package reference

func init() {
	Register(&Exercise{
		ID:       "q9",
		New:      newPollingExercise("q9", false, q9Variants),
		Variants: variantNames(q9Variants),
	})
}

var q9Variants = map[string]notificationFaults{
	"since-inclusive": {sinceInclusive: true},
	"no-since-check":  {noSinceCheck: true},
	"newest-first":    {newestFirst: true},
}

// newPollingExercise builds Q9's or Q10's server: the notification feed,
// with the long-poll route for Q10, and the page that polls it.
func newPollingExercise(id string, longPoll bool, variants map[string]notificationFaults) func(*Options) (Server, error) {
	return func(opts *Options) (Server, error) {
		o := opts.withDefaults()
		if err := checkVariant(id, o.Variant, variantNames(variants)); err != nil {
			return nil, err
		}
		n := newNotifications(variants[o.Variant], o.Hooks)
		s := newServer()
		n.mount(s, longPoll)
		s.Handle("/", publicDir(id))
		return s, nil
	}
}
