// Package answers grades written answers by the facts they state.
//
// A course asks for prose (why a long poll times out at 25 s, who receives
// socket.broadcast.emit, how many bytes a minute short polling costs), and
// prose cannot be compared with a reference word for word: two correct
// answers rarely share a sentence. What they do share are the facts that
// carry the meaning: a status code, a header, a figure with its unit, the
// name of a call. A Rubric lists those facts, each a check with its own
// verdict, and the spellings a reader would accept for each; what needs a
// person's judgement (an analogy, a justified choice) is a review item,
// shown to the instructor with the reference answer beside the student's
// text (graders.Review).
//
// Matching works on meaning-bearing tokens, never on wording:
//
//   - a phrase ("Sec-WebSocket-Accept", "full duplex") is found in the text
//     with case, punctuation and a plural ending ignored;
//   - a figure ("48,000,000 B", "0.6 MB", "25 s") is found as a number with
//     its unit, so 600 kB, 0.6 MB and 600,000 bytes are one figure;
//   - a pattern (/except (the )?sender/) is a regular expression for what a
//     phrase cannot say;
//   - facts that must be said together (a figure and what it is the figure
//     of) are looked for in one sentence or one paragraph, and a table row
//     reads as a sentence whose cells are prefixed by their column's header,
//     so a table, a list and prose say the same.
//
// Extra facts beside the key one do no harm: a fact passes when its terms
// are found, whatever else is written around them.
//
// Rubrics live beside the scenarios as scenarios/qNN_slug.answer.yaml; the
// format is in this package's README.md. A student's answers.md is split
// by its "## Q1" headings (Split) and each part graded against its
// exercise's rubric (GradeDoc); an exercise without an answer yields
// graders.Missing verdicts, not failures.
package answers
