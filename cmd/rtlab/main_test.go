package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runCLI runs rtlab in-process with args and returns its exit code and
// output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), &env{stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

// TestUsageErrorsExit2 runs the same kind of mistake in every command:
// each exits 2 (the README's code for a usage error) and prints the one
// line that was wrong and where to look, not the whole usage.
func TestUsageErrorsExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"serve", "q17", "--addr", "127.0.0.1:99999"}, `--addr "127.0.0.1:99999": the port must be a number from 0 to 65535`},
		{[]string{"serve", "q17", "--addr", "nope"}, `--addr "nope": want HOST:PORT`},
		{[]string{"serve", "q17", "--variant", "bogus"}, `unknown variant "bogus"`},
		{[]string{"serve"}, "name one exercise to serve"},
		{[]string{"serve", "q17", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"load", "notaurl"}, `URL "notaurl": want http://HOST:PORT or ws://HOST:PORT`},
		{[]string{"load", "https://127.0.0.1:1"}, "the load clients do not speak TLS"},
		{[]string{"load", "http://127.0.0.1:1", "--mode", "bogus"}, `unknown mode "bogus"`},
		{[]string{"trace", "notaurl"}, `URL "notaurl": want http://HOST:PORT`},
		{[]string{"grade", "--url", "notaurl", "--exercise", "q17"}, `--url "notaurl": want http://HOST:PORT`},
		{[]string{"grade", "--exercise", "q17", "--variant", "bogus"}, `unknown variant "bogus"`},
		{[]string{"grade", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"list", "x"}, "list takes no arguments"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr %q", code, stderr)
			}
			if !strings.Contains(stderr, tc.says) {
				t.Errorf("stderr %q does not say %q", stderr, tc.says)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			want := "Run 'rtlab " + tc.args[0] + " --help' for usage."
			if len(lines) != 2 || lines[1] != want {
				t.Errorf("stderr is not the one wrong line and %q:\n%s", want, stderr)
			}
			if strings.Contains(stderr+stdout, "usage: rtlab") || strings.Contains(stderr+stdout, "Examples:") {
				t.Errorf("a usage error printed the whole usage:\n%s%s", stdout, stderr)
			}
		})
	}
}

func TestUnknownCommandExit2(t *testing.T) {
	code, stdout, stderr := runCLI(t, "bogus")
	if code != 2 || stderr != "rtlab: unknown command \"bogus\"\nRun 'rtlab help' for the list of commands.\n" || stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestHelpStillPrintsUsage(t *testing.T) {
	code, stdout, _ := runCLI(t, "serve", "--help")
	if code != 0 || !strings.Contains(stdout, "usage: rtlab serve") || !strings.Contains(stdout, "Examples:") {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
}

// TestGradeCmdNeverListens: a --cmd server that never listens within the
// run's deadline is reported with its address and last output, exit 2 (an
// unreachable server), not "context deadline exceeded".
func TestGradeCmdNeverListens(t *testing.T) {
	code, stdout, stderr := runCLI(t, "grade", "--exercise", "q17", "--cmd", "echo booting; sleep 30", "--deadline", "1s")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{"did not listen on 127.0.0.1:", "within", "its last output", "stdout: booting"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report does not say %q:\n%s%s", want, stdout, stderr)
		}
	}
	if strings.Contains(stdout+stderr, "context deadline exceeded") {
		t.Errorf("report says %q:\n%s%s", "context deadline exceeded", stdout, stderr)
	}
}
