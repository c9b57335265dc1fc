package bench_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"rtlab/bench"
)

// The Q12 textbook figures come from ExerciseModel.
func ExampleExerciseModel() {
	for _, t := range []string{"short-polling", "long-polling", "websocket"} {
		_, perMin, _, formula := bench.ExerciseModel(t, 1000, 1, 8)
		fmt.Printf("%s: %s = %.0f B/min\n", t, formula, perMin)
	}
	// Output:
	// short-polling: 1000 users × 60 updates/min × 800 B per exchange = 48000000 B/min
	// long-polling: 1000 users × 60 updates/min × 800 B per exchange = 48000000 B/min
	// websocket: 1000 users × 60 frames/min × 10 B per frame = 600000 B/min
}

// Run measures transports; WriteReport keeps the results, summary and
// charts; LoadLatest reads them back for written answers.
func ExampleRun() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := bench.Run(ctx, &bench.Options{
		Users: 50, Warmup: time.Second, Window: 5 * time.Second,
		Transports: []string{"long-polling", "websocket"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	bench.WriteText(os.Stdout, res)
	if _, err := bench.WriteReport(res, "reports/bench"); err != nil {
		fmt.Println(err)
	}
	latest, err := bench.LoadLatest("reports/bench")
	if err == nil {
		for _, row := range latest.Q7Rows() {
			fmt.Println(row.Technique, row.AppBytesPerUpdate, row.LatencyP50)
		}
	}
}
