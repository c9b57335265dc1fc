package loadtest

import (
	"slices"
	"time"
)

// Comparison is the outcome of Compare: every run, and per metric the
// median and spread of each server's repetitions with the target the issue
// sets for the first server against the second.
type Comparison struct {
	Start     time.Time      `json:"start"`
	ElapsedS  float64        `json:"elapsed_s"`
	Reps      int            `json:"reps"`
	Servers   []string       `json:"servers"`
	Scenarios []ScenarioInfo `json:"scenarios"`
	Rows      []Row          `json:"rows"`
	Runs      []Run1         `json:"runs"`
	// Tool is the run measuring the load tool's own memory per client.
	Tool    *Result `json:"tool,omitempty"`
	ToolErr string  `json:"tool_error,omitempty"`
	// ToolTarget is the most memory per simulated client the tool may
	// take, in KB.
	ToolTargetKB float64 `json:"tool_target_kb"`
}

// ScenarioInfo describes a scenario in the report.
type ScenarioInfo struct {
	Name      string  `json:"name"`
	Mode      string  `json:"mode"`
	Clients   int     `json:"clients"`
	Messages  int     `json:"messages,omitempty"`
	Size      int     `json:"size,omitempty"`
	DurationS float64 `json:"duration_s,omitempty"`
}

// Run1 is one run of a comparison.
type Run1 struct {
	Server   string  `json:"server"`
	Scenario string  `json:"scenario"`
	Rep      int     `json:"rep"`
	Result   *Result `json:"result"`
	Err      string  `json:"error,omitempty"`
}

// Stat is the median and spread of one metric over repetitions.
type Stat struct {
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Values []float64 `json:"values"`
}

// Row is one metric of the comparison table.
type Row struct {
	Scenario string `json:"scenario"`
	Metric   string `json:"metric"`
	Unit     string `json:"unit"`
	// Stats by server name, in Comparison.Servers order.
	Stats []Stat `json:"stats"`
	// Ratio is the first server's median over the second's.
	Ratio float64 `json:"ratio,omitempty"`
	// Target is the ratio the issue asks for ("≥ 2", "≤ 0.5"), empty for
	// a metric shown for information; Met says whether Ratio meets it.
	Target string `json:"target,omitempty"`
	Met    bool   `json:"met"`
}

// target of a metric: the ratio ours/baseline must be at least (higher is
// better) or at most (lower is better) Bound.
type target struct {
	bound  float64
	higher bool
}

type metricDef struct {
	scenario, metric, unit string
	get                    func(*Result) (float64, bool)
	tgt                    *target
}

func latencyOf(pick func(*Latency) float64) func(*Result) (float64, bool) {
	return func(r *Result) (float64, bool) {
		if r.Latency == nil || r.Latency.Count == 0 {
			return 0, false
		}
		return pick(r.Latency), true
	}
}

var metricDefs = []metricDef{
	{"broadcast", "deliveries per second", "/s", func(r *Result) (float64, bool) { return r.DeliveriesPerSec, r.Deliveries > 0 }, &target{2, true}},
	{"broadcast", "delivery latency p50", "ms", latencyOf(func(l *Latency) float64 { return l.P50MS }), nil},
	{"broadcast", "delivery latency p99", "ms", latencyOf(func(l *Latency) float64 { return l.P99MS }), &target{0.5, false}},
	{"broadcast", "ticks lost", "", func(r *Result) (float64, bool) { return float64(r.Lost), r.Expected > 0 }, nil},
	{"broadcast", "load tool CPU", "s", func(r *Result) (float64, bool) { return r.Tool.CPUSeconds, true }, nil},
	{"echo", "acks per second", "/s", func(r *Result) (float64, bool) { return r.AcksPerSec, r.Acks > 0 }, &target{1.5, true}},
	{"echo", "ack latency p50", "ms", latencyOf(func(l *Latency) float64 { return l.P50MS }), nil},
	{"echo", "ack latency p99", "ms", latencyOf(func(l *Latency) float64 { return l.P99MS }), &target{1, false}},
	{"echo", "load tool CPU", "s", func(r *Result) (float64, bool) { return r.Tool.CPUSeconds, true }, nil},
	{"idle", "server RSS per connection", "KB", func(r *Result) (float64, bool) {
		if r.Server == nil || r.Connected == 0 {
			return 0, false
		}
		return r.Server.RSSPerConnKB, true
	}, &target{0.5, false}},
	{"idle", "connect latency p99", "ms", func(r *Result) (float64, bool) { return r.Connect.P99MS, r.Connected > 0 }, nil},
	{"idle", "failed connections", "", func(r *Result) (float64, bool) { return float64(r.Failures), true }, nil},
	{"idle", "load tool RSS per client", "KB", func(r *Result) (float64, bool) { return r.Tool.RSSPerClientKB, r.Connected > 0 }, nil},
}

// summarise computes the rows from the runs.
func (c *Comparison) summarise() {
	c.ToolTargetKB = 10
	c.Rows = nil
	for _, d := range metricDefs {
		if !slices.ContainsFunc(c.Scenarios, func(s ScenarioInfo) bool { return s.Name == d.scenario }) {
			continue
		}
		row := Row{Scenario: d.scenario, Metric: d.metric, Unit: d.unit}
		for _, srv := range c.Servers {
			var vals []float64
			for _, run := range c.Runs {
				if run.Server == srv && run.Scenario == d.scenario && run.Result != nil {
					if v, ok := d.get(run.Result); ok {
						vals = append(vals, v)
					}
				}
			}
			row.Stats = append(row.Stats, statOf(vals))
		}
		if len(row.Stats) >= 2 && len(row.Stats[0].Values) > 0 && len(row.Stats[1].Values) > 0 && row.Stats[1].Median != 0 {
			row.Ratio = row.Stats[0].Median / row.Stats[1].Median
			if d.tgt != nil {
				if d.tgt.higher {
					row.Target = "≥ " + trimFloat(d.tgt.bound)
					row.Met = row.Ratio >= d.tgt.bound
				} else {
					row.Target = "≤ " + trimFloat(d.tgt.bound)
					row.Met = row.Ratio <= d.tgt.bound
				}
			}
		}
		c.Rows = append(c.Rows, row)
	}
}

func statOf(vals []float64) Stat {
	if len(vals) == 0 {
		return Stat{}
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stat{Median: med, Min: s[0], Max: s[len(s)-1], Values: vals}
}
