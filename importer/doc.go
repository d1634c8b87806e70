// Package importer turns a stream of spreadsheet rows into user groups on
// the Capillary API and reports, for every row, what became of it.
//
// The pipeline of Run:
//
//	Records ─▶ reader ─▶ jobs ─▶ workers ×N ─▶ results ─▶ writer ─▶ Sink
//	           validate          pace (Pacer)              restore input
//	           dedupe            create, classify          order
//	           resume            retry, look up
//
// The reader is the only goroutine that touches the input. It validates
// each row (Validator: the same checks in a real run and a dry run),
// finds repeated externalIds and ids that differ only by case or Unicode
// form (a first pass over Records that can be read again, a Rewinder; else
// hash tables), keeps rows
// an earlier run settled (Config.Prior), and hands the rest to the
// workers. Rows that need no request go straight to the writer.
//
// The workers are a bounded errgroup. Each waits on the Pacer shared by
// all of them (the API's quota is per key), sends the request and
// classifies the answer by the code in its body. Retries back off with
// jitter and honour Retry-After; a 1633 after an attempt whose answer
// was lost is settled by looking the group up, so no group is created
// twice and none is misreported.
//
// The writer puts results back in input order and hands them to the
// Sink. A window semaphore, taken by the reader and released by the
// writer, bounds the rows in flight, and with them memory, however slow
// one row is.
//
// A row's failure is data (a Result with a Status), never an error of the
// run. Run returns an error only when the run as a whole stops: the caller
// interrupted it (ErrInterrupted), or it stopped itself (ErrAborted:
// credentials rejected, too many errors, results unwritable), or its
// input changed while it was read (an *InputChangedError: reading stops,
// the rows read are finished). Even then every row read has a Result,
// skipped where it was not finished.
//
// # Dependencies
//
// importer is the engine. It imports the API client (importer/capillary)
// for its wire types, errgroup, rate and x/text (to fold ids), and
// nothing that speaks to a person: not report, input, flag, os/signal or a
// progress bar. It reports facts (statuses, counts, errors); the command
// line words them.
package importer
