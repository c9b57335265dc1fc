package graders

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func startHelper(t *testing.T) (*Process, string) {
	t.Helper()
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := StartProcess(ctx, "'"+os.Args[0]+"' -test.run='^$'", &ProcessOptions{
		Addr: addr,
		Env:  []string{"RTLAB_GRADERS_HELPER=server", "JWT_SECRET=from-grader"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, "http://" + addr
}

func TestManagedServerLogsAndStops(t *testing.T) {
	t.Parallel()
	p, url := startHelper(t)
	sc := mustParse(t, `
exercise: q99
title: Managed
checks:
  - id: env
    name: the server got PORT and JWT_SECRET
    steps:
      - log: {match: 'listening on 127\.0\.0\.1:\d+ secret from-grader'}
  - id: ids
    name: the server prints the socket id on connect and disconnect
    steps:
      - connect: a
      - log: {contains: "connected: ${a.id}"}
      - disconnect: a
      - log: {contains: "${a.id}", count: 2}
  - id: missing
    name: a line that never comes
    steps:
      - log: {contains: "never printed", within: 300ms}
  - id: absent
    name: no warning on stderr
    steps:
      - log: {stream: stderr, match: MaxListenersExceededWarning, absent: true}
`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := Run(ctx, sc, &Options{URL: url, Server: p, Timeout: 2 * time.Second})
	st := statuses(r)
	if st["env"] != Pass || st["ids"] != Pass || st["absent"] != Pass || st["missing"] != Fail {
		dump(t, r)
		t.Fatalf("statuses %v", st)
	}
	if m := r.Checks[2].Message(); !strings.Contains(m, `did not show a line containing "never printed" within 300ms`) {
		t.Errorf("missing: %q", m)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if exited, _ := p.Exited(); !exited {
		t.Error("still running after Stop")
	}
	if lines := p.Lines("stdout"); lines[len(lines)-1] != "bye" {
		t.Errorf("SIGTERM did not reach the server: last line %q", lines[len(lines)-1])
	}
}

func TestManagedChecksSkipWithoutCmd(t *testing.T) {
	t.Parallel()
	m := &miniServer{}
	sc := mustParse(t, `
exercise: q99
title: Managed
checks:
  - id: logs
    name: prints something
    steps:
      - log: {contains: x}
  - id: after
    name: depends on logs
    needs: [logs]
    steps:
      - wait: 1ms
`)
	r := runQuick(t, sc, m.url(t))
	if r.Checks[0].Status != Skip || r.Checks[0].Reason != "needs --cmd" {
		t.Errorf("logs: %s %q", r.Checks[0].Status, r.Checks[0].Reason)
	}
	if r.Checks[1].Status != Skip || r.Checks[1].Reason != "needs logs" {
		t.Errorf("after: %s %q", r.Checks[1].Status, r.Checks[1].Reason)
	}
	if !r.Passed() {
		t.Error("skips must not fail the report")
	}
}

func TestManagedStartFailures(t *testing.T) {
	t.Parallel()
	addr, _ := FreeAddr()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := StartProcess(ctx, "echo oops >&2; exit 3", &ProcessOptions{Addr: addr})
	var se *StartError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "exited before listening") || !strings.Contains(err.Error(), "stderr: oops") {
		t.Errorf("exit 3: %v", err)
	}
	start := time.Now()
	_, err = StartProcess(ctx, "sleep 30", &ProcessOptions{Addr: addr, StartTimeout: 500 * time.Millisecond, Grace: 200 * time.Millisecond})
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "does it read PORT") {
		t.Errorf("never listens: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %s", d)
	}
}

func TestLogSink(t *testing.T) {
	s := NewLogSink()
	s.Write([]byte("one\ntw"))
	s.Write([]byte("o\r\n"))
	if got := strings.Join(s.Lines("stdout"), "|"); got != "one|two" {
		t.Errorf("lines %q", got)
	}
	if s.Stop() != nil || s.Signal(15) == nil {
		t.Error("a sink stops silently and cannot be signalled")
	}
}
