package probes

// The broken pages of the Socket.IO page exercises, each failing the
// checks whose catches: name it, with a message holding want; TestPages
// runs them beside the reference pages.
func init() {
	pageCases["q17"] = []brokenPage{
		{"shows-count", `#user-count read "…"`},
		{"follows", `Bob joined (2 users), but #user-count read "1"`},
		{"one-socket", "sockets from the page over the whole session"},
	}
	pageCases["q19"] = []brokenPage{
		{"emits-typing", `typing with the wrong payload`},
		{"debounce", "Bob received stop-typing 1 time(s) meanwhile"},
		{"idle-stop", "Bob received stop-typing 2 times after the last key"},
		{"shows-others", `#typing read "Carol is typing…"`},
		{"no-duplicates", `#typing read "Bob, Bob, Bob are typing…"`},
	}
	pageCases["q21"] = []brokenPage{
		{"status", "#status did not show connected within 5 s of the load"},
		{"syntax-error", "the grader could not bundle the answer with esbuild"},
		{"strict-mode", "no cleanup returned from the effect"},
		{"cleanup", "listeners are left on its sockets"},
		{"remount", "mounted the component again with #toggle, but #status did not show connected"},
		{"server-restart", "a new io() on disconnect"},
		{"server-kick", "#status did not show disconnected within 2 s"},
	}
	pageCases["q22"] = []brokenPage{
		{"emit", "Bob received no reaction"},
		{"float", "stood still for 300 ms"},
		{"brief", "still visible"},
		{"burst", "new elements [data-reaction] were added"},
		{"burst-timer", "of them are still visible"},
		{"no-html", "the page ran its script"},
	}
}
