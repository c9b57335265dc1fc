package reference_test

import "testing"

func TestQ24VariantsFailTheirCheck(t *testing.T) {
	testVariantsFailTheirCheck(t, "q24", map[string]string{
		"fifth-player":          "fifth-player-refused",
		"game-start-to-all":     "game-start-room-only",
		"keep-empty-rooms":      "empty-room-removed",
		"list-full-rooms":       "full-room-not-listed",
		"joiner-not-told":       "join-room",
		"no-player-left":        "player-left",
		"crash-on-null-payload": "null-payload-survives",
		"no-room-id":            "create-room",
		"list-names-only":       "list-new-room",
		"stale-player-count":    "list-counts-players",
		"join-unknown-room":     "join-unknown-room",
	})
}
