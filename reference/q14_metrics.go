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
	if err := checkVariant("q14", opts.withDefaults().Variant, nil); err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	s := newServer()
	s.HandleFunc("GET /api/metrics/stream", func(w http.ResponseWriter, r *http.Request) {
		sse := startSSE(w, "text/event-stream")
		if sse.retry(int(metricsInterval/time.Millisecond)) != nil {
			return
		}
		busy0, total0, _ := cpuTimes()
		// The first sample covers a short window so the page fills at once.
		time.Sleep(200 * time.Millisecond)
		t := time.NewTicker(metricsInterval)
		defer t.Stop()
		for seq := 1; ; seq++ {
			busy, total, _ := cpuTimes()
			m := metrics{Memory: memInfo(), Timestamp: time.Now().UnixMilli()}
			if total > total0 {
				m.CPU = math.Round(float64(busy-busy0)/float64(total-total0)*1000) / 10
			}
			busy0, total0 = busy, total
			data, _ := json.Marshal(m)
			if sse.event(strconv.Itoa(seq), string(data)) != nil {
				return
			}
			select {
			case <-t.C:
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
