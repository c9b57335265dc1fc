package bench

import (
	"context"
	"time"
)

// DefaultSweepUsers are the user counts of a sweep, 10 to 5000.
var DefaultSweepUsers = []int{10, 100, 500, 1000, 2000, 5000}

// SweepOptions configures Sweep. Nil means defaults.
type SweepOptions struct {
	// Users are the user counts to run. Default DefaultSweepUsers.
	Users []int
	// Window and Warmup override the run's, so a sweep stays short.
	// Defaults 5s and 1s.
	Window, Warmup time.Duration
}

// Sweep runs the transports of o once per user count and returns bytes per
// minute for each, next to the Q12 model. o's Users, Window and Warmup are
// replaced by the sweep's.
func Sweep(ctx context.Context, o *Options, so *SweepOptions) ([]SweepPoint, error) {
	var s SweepOptions
	if so != nil {
		s = *so
	}
	if len(s.Users) == 0 {
		s.Users = DefaultSweepUsers
	}
	if s.Window <= 0 {
		s.Window = 5 * time.Second
	}
	if s.Warmup <= 0 {
		s.Warmup = time.Second
	}
	var pts []SweepPoint
	for _, n := range s.Users {
		var run Options
		if o != nil {
			run = *o
		}
		run.Users, run.Window, run.Warmup = n, s.Window, s.Warmup
		res, err := Run(ctx, &run)
		if res != nil {
			for _, t := range res.Transports {
				pts = append(pts, SweepPoint{
					Transport: t.Name, Users: n, Status: t.Status,
					AppBytesPerMin: t.PerMinute.AppBytes, WireBytesPerMin: t.PerMinute.WireBytes,
					ExerciseModelPerMin: t.Model.ExerciseBytesPerMin, MeasuredSizesModelPerMin: t.Model.MeasuredBytesPerMin,
					Sent: t.Updates.Sent, Delivered: t.Updates.Delivered,
				})
			}
		}
		if err != nil {
			return pts, err
		}
	}
	return pts, nil
}
