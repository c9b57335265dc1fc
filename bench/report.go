package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Report file names inside a run's directory.
const (
	ResultsFile = "results.json"
	SummaryFile = "summary.md"
)

// WriteReport writes r into root/<timestamp>/ and again into root/latest/
// (replaced): results.json, summary.md and the charts as PNG and SVG. It
// returns the timestamped directory.
func WriteReport(r *Results, root string) (string, error) {
	dir := filepath.Join(root, r.Started.UTC().Format("20060102-150405"))
	if err := writeRunDir(r, dir); err != nil {
		return "", err
	}
	latest := filepath.Join(root, "latest")
	tmp := latest + ".tmp"
	os.RemoveAll(tmp)
	if err := writeRunDir(r, tmp); err != nil {
		return dir, err
	}
	if err := os.RemoveAll(latest); err != nil {
		return dir, fmt.Errorf("bench: replace %s: %w", latest, err)
	}
	if err := os.Rename(tmp, latest); err != nil {
		return dir, fmt.Errorf("bench: replace %s: %w", latest, err)
	}
	return dir, nil
}

func writeRunDir(r *Results, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ResultsFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, SummaryFile))
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := WriteMarkdown(f, r); err != nil {
		f.Close()
		return fmt.Errorf("bench: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if _, err := WriteCharts(r, dir); err != nil {
		return err
	}
	return nil
}
