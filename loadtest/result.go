package loadtest

import "time"

// Result is what one run measured. Every renderer (text summary, JSON,
// charts, comparison) reads this one record.
type Result struct {
	// Label names the server in a comparison ("rtlab", "node"); empty for
	// a single run.
	Label     string    `json:"label,omitempty"`
	URL       string    `json:"url"`
	Mode      string    `json:"mode"`
	Transport string    `json:"transport"`
	Clients   int       `json:"clients"`
	Ramp      float64   `json:"ramp_per_s"`
	DurationS float64   `json:"duration_s,omitempty"`
	Messages  int       `json:"messages,omitempty"`
	Size      int       `json:"size,omitempty"`
	Start     time.Time `json:"start"`
	ElapsedS  float64   `json:"elapsed_s"`

	// Connected counts the clients that joined the namespace; Failures
	// those that did not, with a few of their errors.
	Connected      int      `json:"connected"`
	Failures       int      `json:"failures"`
	FailureSamples []string `json:"failure_samples,omitempty"`
	// Disconnects counts clients the server closed before the end;
	// DisconnectReasons counts them by the reason each client saw
	// ("ping timeout", "transport close", "io server disconnect",
	// "transport error"), and DisconnectSamples keeps a few verbatim.
	Disconnects       int            `json:"disconnects"`
	DisconnectReasons map[string]int `json:"disconnect_reasons,omitempty"`
	DisconnectSamples []string       `json:"disconnect_samples,omitempty"`
	Connect           Latency        `json:"connect_latency"`

	// Broadcast: ticks received, expected and missing, their rate from
	// the bcast emit to the last delivery, and their latency (from the
	// tick's t to its receipt; t is in milliseconds).
	Deliveries       uint64     `json:"deliveries,omitempty"`
	Expected         uint64     `json:"expected,omitempty"`
	Lost             uint64     `json:"lost,omitempty"`
	OutOfOrder       uint64     `json:"out_of_order,omitempty"`
	DeliveriesPerSec float64    `json:"deliveries_per_s,omitempty"`
	ServerAck        *ServerAck `json:"server_ack,omitempty"`

	// Echo: acks received and their rate over the echo duration.
	Acks       uint64  `json:"acks,omitempty"`
	AcksPerSec float64 `json:"acks_per_s,omitempty"`

	// Latency is the delivery latency (broadcast) or ack latency (echo).
	Latency *Latency `json:"latency,omitempty"`

	// Server is the server process's memory when Options.PID was given.
	Server *ServerCost `json:"server,omitempty"`
	// Tool is what the load itself cost this process.
	Tool ToolCost `json:"tool"`
	// NotMeasured lists the measures this platform lacks, one sentence
	// each ("not measured on windows: RSS (/proc/PID/status)"); their
	// fields stay zero (Server stays nil).
	NotMeasured []string `json:"not_measured,omitempty"`
}

// ServerAck is the bcast acknowledgement: ticks sent and how long the
// server took to queue them.
type ServerAck struct {
	Sent int     `json:"sent"`
	MS   float64 `json:"ms"`
}

// ServerCost is the server's resident memory before the clients connected
// and once they were all held (idle: at the end of the hold).
type ServerCost struct {
	PID             int     `json:"pid"`
	RSSBeforeKB     int64   `json:"rss_before_kb"`
	RSSAfterKB      int64   `json:"rss_after_kb"`
	RSSPerConnKB    float64 `json:"rss_per_conn_kb"`
	RSSSampledAfter float64 `json:"rss_sampled_after_s"`
	// RSSPeakKB is the most the process held (VmHWM) by the end of the
	// run, and RSSPeakPerConnKB its growth over RSSBeforeKB per client.
	RSSPeakKB        int64   `json:"rss_peak_kb,omitempty"`
	RSSPeakPerConnKB float64 `json:"rss_peak_per_conn_kb,omitempty"`
	// CPUSeconds is the server's CPU time (user + system, from
	// /proc/PID/stat) during the run phase (echo, broadcast), and
	// CPUPerOpUS that divided by the acks or deliveries, in µs.
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
	CPUPerOpUS float64 `json:"cpu_per_op_us,omitempty"`
}

// ToolCost is the load tool's own cost: CPU seconds over the run and
// resident memory per simulated client (growth from before the first
// client to when all were connected).
type ToolCost struct {
	CPUSeconds     float64 `json:"cpu_seconds"`
	RSSBeforeKB    int64   `json:"rss_before_kb"`
	RSSAfterKB     int64   `json:"rss_after_kb"`
	RSSPerClientKB float64 `json:"rss_per_client_kb"`
	Goroutines     int     `json:"goroutines"`
	// RunCPUSeconds is the tool's CPU time during the run phase alone,
	// and CPUPerOpUS that divided by the acks or deliveries, in µs: a
	// tool near a core's worth is what limits the measure.
	RunCPUSeconds float64 `json:"run_cpu_seconds,omitempty"`
	CPUPerOpUS    float64 `json:"cpu_per_op_us,omitempty"`
}
