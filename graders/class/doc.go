// Package class grades a class: every submission folder under a directory,
// in parallel, into a gradebook and reports an instructor reads
// (../shared/spec/submissions.md, "A class" and "Beyond one machine").
//
// It sits above package submission, which grades one hand-in, and knows
// nothing of how a check is run. The pipeline is one way:
//
//	folders → Shard → Grade (one submission) → Record → Book → files
//
// A Record is the whole of one student's grade as results/<student>.json
// holds it, and every other file (Markdown, HTML, Gradescope, the
// gradebook, the class index) is rendered from Records alone. That is what
// makes sharding work: Merge reads the Records of several shards' outputs
// and feeds them to the same Book, so a merged class is byte for byte the
// class graded at once. Timings are the one thing that differs between two
// runs; they live in timings.csv and nowhere else.
package class
