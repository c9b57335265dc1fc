package reference_test

import "testing"

func TestQ28VariantsFailTheirCheck(t *testing.T) {
	testVariantsFailTheirCheck(t, "q28", map[string]string{
		"keep-previous-room":     "switch-product",
		"stock-to-everyone":      "stock-to-viewers-only",
		"count-to-joiner-only":   "count-to-all-viewers",
		"count-to-everyone":      "other-products-unaffected",
		"leave-not-announced":    "leave-product",
		"disconnect-not-counted": "count-on-disconnect",
		"crash-on-null-payload":  "null-payload-survives",
		"count-before-join":      "first-viewer",
		"stock-room-mismatch":    "stock-update",
	})
}
