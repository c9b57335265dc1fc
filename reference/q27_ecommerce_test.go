package reference_test

import "testing"

func TestQ27VariantsFailTheirCheck(t *testing.T) {
	testVariantsFailTheirCheck(t, "q27", map[string]string{
		"user-on-admin":           "user-refused-on-admin",
		"any-role-on-shops":       "wrong-shop-role",
		"admin-not-everywhere":    "admin-everywhere",
		"status-to-all-customers": "order-status-to-trackers",
		"stats-wrong-namespace":   "stats-counts",
		"expired-as-invalid":      "expired-token",
		"crash-on-null-payload":   "null-payload-survives",
		"no-token-as-invalid":     "no-token",
		"alg-none-accepted":       "invalid-token",
		"seller-role-typo":        "roles-admitted",
		"same-order-id":           "place-order",
		"new-order-on-customer":   "new-order-to-sellers",
		"stats-leak-on-drop":      "stats-after-drop",
	})
}
