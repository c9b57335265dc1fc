package probes

// The broken pages of the Socket.IO page exercises, each failing the
// checks whose catches: name it, with a message holding want; TestPages
// runs them beside the reference pages.
func init() {
	pageCases["q17"] = []brokenPage{
		{"shows-count", `#user-count read "…"`, nil},
		{"follows", `Bob joined (2 users), but #user-count read "1"`, nil},
		{"one-socket", "sockets from the page over the whole session", nil},
	}
	pageCases["q19"] = []brokenPage{
		{"emits-typing", `typing with the wrong payload`, nil},
		{"debounce", "Bob received stop-typing 1 time(s) meanwhile", nil},
		{"idle-stop", "Bob received stop-typing 2 times after the last key", nil},
		{"shows-others", `#typing read "Carol is typing…"`, nil},
		{"no-duplicates", `#typing read "Bob, Bob, Bob are typing…"`, nil},
	}
	pageCases["q21"] = []brokenPage{
		{"status", "#status did not show connected within 5 s of the load", nil},
		{"syntax-error", "the grader could not bundle the answer with esbuild", nil},
		{"strict-mode", "no cleanup returned from the effect", nil},
		{"cleanup", "listeners are left on its sockets", nil},
		{"remount", "mounted the component again with #toggle, but #status did not show connected", nil},
		{"server-restart", "a new io() on disconnect", nil},
		{"server-kick", "#status did not show disconnected within 2 s", nil},
	}
	pageCases["q22"] = []brokenPage{
		{"emit", "Bob received no reaction", nil},
		{"float", "stood still for 300 ms", nil},
		{"brief", "still visible", nil},
		{"burst", "new elements [data-reaction] were added", nil},
		{"burst-timer", "of them are still visible", nil},
		{"no-html", "the page ran its script", nil},
	}
}
