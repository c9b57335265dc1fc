package loadtest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"rtlab/loadtest"
)

// Broadcast to 1000 clients of a server already running the load fixture
// (rtlab serve loadtest, or node testdata/node/loadtest-server.js).
func ExampleRun() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := loadtest.Run(ctx, "http://127.0.0.1:3000", &loadtest.Options{
		Mode:     loadtest.ModeBroadcast,
		Clients:  1000,
		Messages: 200,
		Size:     100,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	loadtest.WriteText(os.Stdout, res)
	fmt.Printf("p99 %.0f ms, %d lost\n", res.Latency.P99MS, res.Lost)
}

// Compare two servers, each started per run as a child process.
func ExampleCompare() {
	cmp, err := loadtest.Compare(context.Background(), &loadtest.CompareOptions{
		Servers: []loadtest.ServerSpec{
			{Name: "rtlab", Command: rtlabServe},
			{Name: "node", Command: nodeServe},
		},
		Reps: 3,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	loadtest.WriteComparisonText(os.Stdout, cmp)
}

var (
	rtlabServe = func(port int) *exec.Cmd {
		return exec.Command("rtlab", "serve", "loadtest", "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	}
	nodeServe = func(port int) *exec.Cmd {
		return exec.Command("node", "testdata/node/loadtest-server.js", fmt.Sprint(port))
	}
)
