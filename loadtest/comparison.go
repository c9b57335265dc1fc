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
	// Pinning says whether tool and servers ran on CPUs of their own.
	Pinning string `json:"pinning"`
	// Load and LoadEnd are /proc/loadavg (1, 5, 15 minutes) at the start
	// and end: what else ran on the machine meanwhile.
	Load    string `json:"loadavg_start,omitempty"`
	LoadEnd string `json:"loadavg_end,omitempty"`
}

// ScenarioInfo describes a scenario in the report.
type ScenarioInfo struct {
	Name      string  `json:"name"`
	Mode      string  `json:"mode"`
	Transport string  `json:"transport,omitempty"`
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
	// absolute: bound applies to the first server's median itself, in
	// the metric's unit, not to the ratio (an idle connection's 5 KB).
	absolute bool
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

// throughputRows are the rows of a broadcast or echo scenario: rate,
// latency, each side's CPU per operation, lost ticks. rate and p99 are the
// targets of the rate (≥) and of the 99th percentile (≤).
func throughputRows(scenario string, broadcast bool, rate, p99 float64, cpu *target) []metricDef {
	name, unit := "acks per second", "/s"
	get := func(r *Result) (float64, bool) { return r.AcksPerSec, r.Acks > 0 }
	lat := "ack latency"
	if broadcast {
		name = "deliveries per second"
		get = func(r *Result) (float64, bool) { return r.DeliveriesPerSec, r.Deliveries > 0 }
		lat = "delivery latency"
	}
	rows := []metricDef{
		{scenario, name, unit, get, &target{bound: rate, higher: true}},
		{scenario, lat + " p50", "ms", latencyOf(func(l *Latency) float64 { return l.P50MS }), nil},
		{scenario, lat + " p99", "ms", latencyOf(func(l *Latency) float64 { return l.P99MS }), &target{bound: p99}},
		{scenario, lat + " max", "ms", latencyOf(func(l *Latency) float64 { return l.MaxMS }), nil},
		{scenario, "server CPU per operation", "µs", func(r *Result) (float64, bool) {
			return serverCPU(r), r.Server != nil && r.Server.CPUPerOpUS > 0
		}, cpu},
		{scenario, "load tool CPU per operation", "µs", func(r *Result) (float64, bool) { return r.Tool.CPUPerOpUS, r.Tool.CPUPerOpUS > 0 }, nil},
		{scenario, "server RSS peak", "KB", func(r *Result) (float64, bool) {
			return peakRSS(r), r.Server != nil && r.Server.RSSPeakKB > 0
		}, nil},
	}
	if broadcast {
		rows = append(rows, metricDef{scenario, "ticks lost", "", func(r *Result) (float64, bool) { return float64(r.Lost), r.Expected > 0 }, nil})
	}
	return rows
}

func serverCPU(r *Result) float64 {
	if r.Server == nil {
		return 0
	}
	return r.Server.CPUPerOpUS
}

func peakRSS(r *Result) float64 {
	if r.Server == nil {
		return 0
	}
	return float64(r.Server.RSSPeakKB)
}

// metricDefs are the comparison's rows with the targets (ratio of
// the first server to the second).
var metricDefs = func() []metricDef {
	var d []metricDef
	d = append(d, throughputRows("broadcast", true, 2, 0.5, nil)...)
	d = append(d, throughputRows("echo", false, 2, 0.5, &target{bound: 0.5})...)
	d = append(d, throughputRows("echo-polling", false, 1.5, 1, nil)...)
	d = append(d, throughputRows("broadcast-polling", true, 1.5, 1, nil)...)
	d = append(d,
		metricDef{"idle", "server RSS per connection, settled", "KB", func(r *Result) (float64, bool) {
			if r.Server == nil || r.Connected == 0 {
				return 0, false
			}
			return r.Server.RSSPerConnKB, true
		}, &target{bound: 5, absolute: true}},
		metricDef{"idle", "server RSS per connection, peak", "KB", func(r *Result) (float64, bool) {
			if r.Server == nil || r.Connected == 0 || r.Server.RSSPeakKB == 0 {
				return 0, false
			}
			return r.Server.RSSPeakPerConnKB, true
		}, &target{bound: 5, absolute: true}},
		metricDef{"idle", "connect latency p99", "ms", func(r *Result) (float64, bool) { return r.Connect.P99MS, r.Connected > 0 }, nil},
		metricDef{"idle", "failed connections", "", func(r *Result) (float64, bool) { return float64(r.Failures), true }, nil},
		metricDef{"idle", "load tool RSS per client", "KB", func(r *Result) (float64, bool) { return r.Tool.RSSPerClientKB, r.Connected > 0 }, nil},
	)
	return d
}()

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
		if d.tgt != nil && d.tgt.absolute {
			if len(row.Stats) >= 2 && len(row.Stats[1].Values) > 0 && row.Stats[1].Median != 0 && len(row.Stats[0].Values) > 0 {
				row.Ratio = row.Stats[0].Median / row.Stats[1].Median
			}
			if len(row.Stats) > 0 && len(row.Stats[0].Values) > 0 {
				row.Target = "≤ " + trimFloat(d.tgt.bound) + " " + d.unit + " (" + c.Servers[0] + ")"
				row.Met = row.Stats[0].Median <= d.tgt.bound
			}
			c.Rows = append(c.Rows, row)
			continue
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
