package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// nodeClients is a running testdata/node/soak-client.js: the npm
// socket.io-client side of one target's soak.
type nodeClients struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *tailBuffer
	done   chan struct{}
}

// startNode starts the npm clients against t and waits until every one is
// connected.
func startNode(ctx context.Context, t Target, o *Options) (*nodeClients, error) {
	event := "echo"
	if t.Fixture == FixtureQ18 {
		event = "save-task"
	}
	var clients []map[string]any
	for _, tp := range Transports {
		spec := map[string]any{"transports": []string{"websocket"}, "upgrade": false}
		switch tp {
		case "polling":
			spec = map[string]any{"transports": []string{"polling"}, "upgrade": false}
		case "polling+upgrade":
			spec = map[string]any{"transports": []string{"polling", "websocket"}, "upgrade": true}
		}
		for range o.Clients {
			clients = append(clients, spec)
		}
	}
	cfg, _ := json.Marshal(map[string]any{
		"event": event, "clients": clients,
		"everyMs": o.EmitEvery.Milliseconds(), "ackTimeoutMs": o.AckTimeout.Milliseconds(),
		"lifetimeMs": (o.Duration + 2*time.Minute).Milliseconds(),
	})
	cmd := exec.Command(o.Node, "soak-client.js", t.URL, string(cfg))
	cmd.Dir = o.NodeDir
	n := &nodeClients{cmd: cmd, lines: make(chan string, 16), stderr: &tailBuffer{max: 4096}, done: make(chan struct{})}
	cmd.Stderr = n.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if n.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		defer close(n.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			n.lines <- sc.Text()
		}
	}()
	go func() { cmd.Wait(); close(n.done) }()
	l, err := n.line(ctx, 30*time.Second)
	if err == nil && l != "ready" {
		err = fmt.Errorf("soak-client.js said %q, want ready", l)
	}
	if err != nil {
		n.close()
		return nil, err
	}
	return n, nil
}

// line returns the next stdout line, within timeout.
func (n *nodeClients) line(ctx context.Context, timeout time.Duration) (string, error) {
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	select {
	case l, ok := <-n.lines:
		if !ok {
			return "", fmt.Errorf("soak-client.js exited; stderr: %s", n.stderr)
		}
		return l, nil
	case <-tm.C:
		return "", fmt.Errorf("soak-client.js said nothing within %v; stderr: %s", timeout, n.stderr)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// send writes one command line to the script.
func (n *nodeClients) send(cmd string) error {
	if _, err := fmt.Fprintln(n.stdin, cmd); err != nil {
		return fmt.Errorf("soak-client.js: %w; stderr: %s", err, n.stderr)
	}
	return nil
}

// stop ends the conversations, the clients having seen broadcasts ticks,
// and returns their reports.
func (n *nodeClients) stop(broadcasts int) ([]ClientReport, error) {
	if err := n.send(fmt.Sprintf("stop %d", broadcasts)); err != nil {
		return nil, err
	}
	for {
		l, err := n.line(context.Background(), 30*time.Second)
		if err != nil {
			return nil, err
		}
		if rest, ok := strings.CutPrefix(l, "report "); ok {
			var reps []ClientReport
			if err := json.Unmarshal([]byte(rest), &reps); err != nil {
				return nil, fmt.Errorf("soak-client.js report %q: %w", rest, err)
			}
			for i := range reps {
				reps[i].Kind = "node"
				if reps[i].Transport == "polling+websocket" {
					reps[i].Transport = "polling+upgrade"
				}
			}
			return reps, nil
		}
		if strings.HasPrefix(l, "fail") {
			return nil, fmt.Errorf("soak-client.js: %s", l)
		}
	}
}

// close ends the process, politely first.
func (n *nodeClients) close() {
	n.stdin.Close()
	select {
	case <-n.done:
	case <-time.After(2 * time.Second):
		n.cmd.Process.Kill()
		<-n.done
	}
	for range n.lines {
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
