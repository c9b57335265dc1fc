package chrome

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// start opens the target of ctx (starting the browser for the first tab)
// and, unless quiet, keeps what its pages print to the console and the
// exceptions they do not catch, to log them when t fails: a page's own
// error is usually the explanation of a failed browser test.
func start(t testing.TB, ctx context.Context, name string, quiet bool) error {
	if quiet {
		return chromedp.Do(ctx)
	}
	var (
		mu    sync.Mutex
		lines []string
	)
	err := chromedp.Listen(ctx, func(ev any) {
		var line string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			args := make([]string, 0, len(ev.Args))
			for _, a := range ev.Args {
				if a.Value != nil {
					args = append(args, string(a.Value))
				} else {
					args = append(args, a.Description)
				}
			}
			line = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			line = "uncaught: " + d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				line += " " + d.Exception.Description
			}
		default:
			return
		}
		mu.Lock()
		lines = append(lines, line)
		mu.Unlock()
	})
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if len(lines) > 0 {
			t.Logf("chrome %s console:\n  %s", name, strings.Join(lines, "\n  "))
		}
	})
	return err
}
