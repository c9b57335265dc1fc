package reference_test

import "testing"

func TestQ29VariantsFailTheirCheck(t *testing.T) {
	testVariantsFailTheirCheck(t, "q29", map[string]string{
		"no-user-room":                  "user-room",
		"my-rooms-without-id":           "my-rooms",
		"leave-ignored":                 "leave",
		"general-to-everyone":           "general-members-only",
		"general-tech-twice":            "general-plus-tech-once",
		"all-mine-includes-sender":      "all-mine",
		"leave-custom-leaves-user-room": "leave-custom",
		"leave-custom-ack-only":         "left-rooms-silent",
		"unknown-mode-silent":           "unknown-mode",
		"crash-on-null-payload":         "null-payload-survives",
	})
}
