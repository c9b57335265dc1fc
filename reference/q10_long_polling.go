package reference

func init() {
	Register(&Exercise{
		ID:       "q10",
		New:      newPollingExercise("q10", true, q10Variants),
		Variants: variantNames(q10Variants),
	})
}

var q10Variants = map[string]notificationFaults{
	"wake-one":    {wakeOne: true},
	"no-wake":     {noWake: true},
	"timeout-200": {timeout200: true},
}
