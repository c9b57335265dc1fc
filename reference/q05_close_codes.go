package reference

func init() {
	Register(&Exercise{
		ID:  "q5",
		New: newWSExercise("q5", q5Variants),
		Variants: []string{"accept-unmasked", "no-utf8-check", "no-size-limit",
			"close-no-code", "drop-on-shutdown"},
	})
}

var q5Variants = map[string]wsFaults{
	"accept-unmasked":  {acceptUnmasked: true},
	"no-utf8-check":    {noUTF8Check: true},
	"no-size-limit":    {noSizeLimit: true},
	"close-no-code":    {closeNoCode: true},
	"drop-on-shutdown": {dropOnShutdown: true},
}
