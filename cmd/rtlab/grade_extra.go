package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"rtlab/graders/probes"
	"rtlab/reference"
	"rtlab/reference/nginx"
)

// servePageFlag handles rtlab grade --page FILE: a student's browser page
// (Q6) is served on a loopback port, and that port becomes the --url the
// scenario loads the page from. --exercise defaults to q6.
func servePageFlag(file string, rawURL, exList *string, cmdLine string) (stop func() error, err error) {
	if *rawURL != "" || cmdLine != "" {
		return nil, usagef("--page grades a page the grader serves itself: it does not go with --url or --cmd")
	}
	if *exList == "" {
		*exList = "q6"
	}
	base, stop, err := probes.ServePage(file)
	if err != nil {
		return nil, usagef("--page: %v", err)
	}
	*rawURL = base
	return stop, nil
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
