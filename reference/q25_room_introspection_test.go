package reference_test

import "testing"

func TestQ25VariantsFailTheirCheck(t *testing.T) {
	testVariantsFailTheirCheck(t, "q25", map[string]string{
		"socket-id-rooms-listed": "list-rooms-no-socket-ids",
		"count-all-sockets":      "two-members",
		"count-not-lowered":      "two-members",
		"crash-on-unknown-room":  "empty-room",
		"crash-on-null-payload":  "null-payload-survives",
		"room-size-without-room": "join-and-size",
		"rooms-map-serialized":   "list-rooms",
		"list-never-pruned":      "emptied-room-not-listed",
	})
}
