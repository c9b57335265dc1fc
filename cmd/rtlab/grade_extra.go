package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"rtlab/graders"
	"rtlab/graders/scenario"
	"rtlab/internal/exercise"
	"rtlab/scenarios"

	"rtlab/graders/probes"
	"rtlab/reference"
	"rtlab/reference/nginx"
)

// servePageFlag handles rtlab grade --page FILE: a student's browser page.
// For an exercise with a page scenario (qNN_slug.page.yaml: Q9, Q10 …)
// the page is served beside the exercise's reference server with its test
// hooks (probes.StartPageFile), and the returned harness goes to the
// page's probes; Q6's page, graded against the grader's own WebSocket
// server, is served alone and harness is nil. Either way the served URL
// becomes --url. --exercise defaults to q6 and names one exercise.
func servePageFlag(file string, rawURL, exList *string, cmdLine string) (stop func() error, harness *probes.PageHarness, err error) {
	if *rawURL != "" || cmdLine != "" {
		return nil, nil, usagef("--page grades a page the grader serves itself: it does not go with --url or --cmd")
	}
	if *exList == "" {
		*exList = "q6"
	}
	if strings.Contains(*exList, ",") {
		return nil, nil, usagef("--page grades one page: give one exercise (--exercise q9)")
	}
	id := exercise.Normalize(*exList)
	pages, err := graders.LoadPages(scenarios.FS(), probeSet())
	if err != nil {
		return nil, nil, fmt.Errorf("the embedded page scenarios do not parse (a bug in rtlab): %w", err)
	}
	if _, ok := pages[id]; ok {
		h, err := probes.StartPageFile(id, file, nil)
		if err != nil {
			return nil, nil, usagef("--page: %v", err)
		}
		*rawURL = h.URL
		return h.Close, h, nil
	}
	if id != "q6" {
		return nil, nil, usagef("--page: exercise %s has no page to grade (pages: q6, %s)", *exList, strings.Join(sortedIDs(pages), ", "))
	}
	base, stop, err := probes.ServePage(file)
	if err != nil {
		return nil, nil, usagef("--page: %v", err)
	}
	*rawURL = base
	return stop, nil, nil
}

// gradeReferencePages grades the reference page of each exercise of ids
// that has a page scenario, in one shared browser, the pages at once: what
// rtlab grade in reference mode adds to the servers' reports (titled
// "… — page"). With a --variant (a broken server) it grades none. Without
// Chromium every page check is skipped, saying how to install it.
func gradeReferencePages(ctx context.Context, ids []string, opts *graders.Options, variant string) []*graders.Report {
	pages, err := graders.LoadPages(scenarios.FS(), probeSet())
	if err != nil || variant != "" {
		return nil
	}
	var todo []string
	for _, id := range ids {
		if _, ok := pages[id]; ok {
			todo = append(todo, id)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	b, err := probes.StartBrowser() // nil when absent: each session then skips
	if err == nil {
		defer b.Close()
	}
	reports := make([]*graders.Report, len(todo))
	var wg sync.WaitGroup
	for i, id := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := pages[id]
			h, err := probes.StartReferencePage(id, &probes.PageOptions{Browser: b})
			if err != nil {
				reports[i] = &graders.Report{Exercise: id, Title: sc.Title + " — page", Err: err}
				return
			}
			defer h.Close()
			o := *opts
			o.URL, o.Harness, o.OnCheck, o.Server, o.Nginx = h.URL, h, nil, nil, nil
			r := graders.Run(ctx, sc, &o)
			r.Title += " — page"
			reports[i] = r
		}()
	}
	wg.Wait()
	return reports
}

// withPage returns all with exercise id's server scenario replaced by its
// page scenario: what rtlab grade --page runs.
func withPage(all map[string]*scenario.Scenario, id string) (map[string]*scenario.Scenario, error) {
	pages, err := graders.LoadPages(scenarios.FS(), probeSet())
	if err != nil {
		return nil, err
	}
	out := maps.Clone(all)
	out[id] = pages[id]
	return out, nil
}

// sortedIDs returns the keys of m in course order.
func sortedIDs[V any](m map[string]V) []string {
	ids := slices.Collect(maps.Keys(m))
	exercise.Sort(ids)
	return ids
}

// nginxConfFlag handles rtlab grade --nginx-conf FILE (Q8): nginx runs
// with FILE in front of rtlab's Q8 backend, and nginx's address becomes the
// --url. --exercise defaults to q8.
func nginxConfFlag(file string, rawURL, exList *string, cmdLine string) (stop func() error, conf string, err error) {
	if *rawURL != "" || cmdLine != "" {
		return nil, "", usagef("--nginx-conf runs nginx in front of rtlab's own backend: it does not go with --url or --cmd")
	}
	if *exList == "" {
		*exList = "q8"
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, "", usagef("--nginx-conf: %v", err)
	}
	front, err := reference.NewNginxFront(data, nil)
	if err != nil {
		var ce *nginx.ConfigError
		if errors.As(err, &ce) {
			fmt.Fprintf(os.Stderr, "rtlab: %s: %v\n", file, err)
			return nil, "", &exitError{1}
		}
		return nil, "", err
	}
	*rawURL = front.URL
	return front.Close, front.Nginx.Conf, nil
}

// checkCAFlag handles rtlab grade --ca FILE: before grading, the server at
// rawURL must complete a TLS handshake whose certificate FILE vouches for,
// so that "the grader speaks wss://" means it spoke to that server (the
// checks themselves accept the self-signed certificates of reference
// servers).
func checkCAFlag(ctx context.Context, rawURL, file string) error {
	u, err := url.Parse(rawURL)
	if rawURL == "" || err != nil || u.Scheme != "https" {
		return usagef("--ca trusts the certificate of an https:// --url; give --url https://HOST:PORT")
	}
	pemBytes, err := os.ReadFile(file)
	if err != nil {
		return usagef("--ca: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return usagef("--ca %s holds no PEM certificate", file)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second},
		Config: &tls.Config{RootCAs: pool, ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := d.DialContext(dctx, "tcp", host)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rtlab: %s does not present a certificate that %s vouches for: %v\n", rawURL, file, err)
		return &exitError{2}
	}
	return conn.Close()
}
