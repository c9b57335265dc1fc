package reference

import (
	"bufio"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func init() {
	Register(&Exercise{
		ID:  "q14",
		New: newQ14,
	})
}

// metricsInterval is Q14's period: a dashboard a person glances at needs no
// more, and SSE costs one idle connection between events.
const metricsInterval = 10 * time.Second

type metrics struct {
	CPU       float64 `json:"cpu"` // percent of all cores busy since the last sample
	Memory    memory  `json:"memory"`
	Timestamp int64   `json:"timestamp"`
}

type memory struct {
	UsedBytes  uint64  `json:"usedBytes"`
	TotalBytes uint64  `json:"totalBytes"`
	Percent    float64 `json:"percent"`
}

// cpuTimes reads the busy and total jiffies of all cores from /proc/stat.
func cpuTimes() (busy, total uint64, ok bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0, false
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, 0, false
	}
	for i, s := range fields[1:] {
		v, _ := strconv.ParseUint(s, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle and iowait are not busy
			busy += v
		}
	}
	return busy, total, true
}

// memInfo reads MemTotal and MemAvailable from /proc/meminfo; elsewhere it
// falls back to the Go runtime's own figures.
func memInfo() memory {
	var total, avail uint64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 2 {
				continue
			}
			v, _ := strconv.ParseUint(fs[1], 10, 64)
			switch fs[0] {
			case "MemTotal:":
				total = v * 1024
			case "MemAvailable:":
				avail = v * 1024
			}
		}
		f.Close()
	}
	if total == 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		total, avail = ms.Sys, ms.Sys-ms.HeapInuse
	}
	used := total - avail
	return memory{UsedBytes: used, TotalBytes: total, Percent: math.Round(float64(used)/float64(total)*1000) / 10}
}

func newQ14(opts *Options) (Server, error) {
	o := opts.withDefaults()
	if err := checkVariant("q14", o.Variant, nil); err != nil {
		return nil, err
	}
	interval, retry := metricsInterval, metricsInterval
	known := false
	if h := o.Hooks; h != nil {
		if h.Interval > 0 {
			interval = h.Interval
		}
		if h.Retry > 0 {
			retry = h.Retry
		}
		known = h.KnownSamples
	}
	ctl := o.Hooks.streams()
	stop := make(chan struct{})
	s := newServer()
	s.HandleFunc("GET /api/metrics/stream", func(w http.ResponseWriter, r *http.Request) {
		n, end, ok := ctl.open(r.Context())
		if !ok {
			return
		}
		sse := startSSE(w, "text/event-stream")
		if sse.retry(int(retry/time.Millisecond)) != nil {
			return
		}
		sample := machineSampler()
		if known {
			sample = knownSample
		} else {
			// The first sample covers a short window so the page fills at once.
			time.Sleep(200 * time.Millisecond)
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for seq := 1; ; {
			if ctl.gate() == nil { // paused by the grader: no sample
				data, _ := json.Marshal(sample(seq))
				if sse.event(strconv.Itoa(seq), string(data)) != nil {
					return
				}
				ctl.record(n, strconv.Itoa(seq), string(data))
				seq++
			}
			select {
			case <-t.C:
			case <-end: // the grader ended the stream
				return
			case <-r.Context().Done():
				return
			case <-stop:
				return
			}
		}
	})
	s.Handle("/", publicDir("q14"))
	s.onClose(func() error { close(stop); return nil })
	return s, nil
}

// machineSampler returns the sampler of this machine's CPU and memory: the
// CPU busy since the previous sample.
func machineSampler() func(seq int) metrics {
	busy0, total0, _ := cpuTimes()
	return func(int) metrics {
		busy, total, _ := cpuTimes()
		m := metrics{Memory: memInfo(), Timestamp: time.Now().UnixMilli()}
		if total > total0 {
			m.CPU = math.Round(float64(busy-busy0)/float64(total-total0)*1000) / 10
		}
		busy0, total0 = busy, total
		return m
	}
}

// knownSample is sample seq of Hooks.KnownSamples: values with two
// decimals that move by more than a rounding step between samples, so a
// page showing a stale or misread value is told from one that rounds.
func knownSample(seq int) metrics {
	const total = 8 << 30
	cpu := math.Round(math.Mod(17.37+23.71*float64(seq), 97)*100) / 100
	pct := math.Round((31.13+math.Mod(7.46*float64(seq), 53))*100) / 100
	return metrics{CPU: cpu, Timestamp: time.Now().UnixMilli(),
		Memory: memory{UsedBytes: uint64(pct / 100 * total), TotalBytes: total, Percent: pct}}
}
