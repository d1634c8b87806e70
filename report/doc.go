// Package report writes what a groupimport run leaves behind: the results
// CSV, the closing summary (as text for people and as JSON for scripts), the
// live progress display, the table of problems by kind ([Problems]) and the
// file of rows to fix ([FailedOut]). It reads the results CSV back too,
// because a resumed run starts from it.
//
// # Results file
//
// A results file has one line per input row, in input order, under the
// header in [Header], which every kind of record shares (import results,
// validation, diff; see [Kind]). [ReadResults] finds columns by name, so a
// record written before a column existed still reads, and a column it
// does not know is passed over:
//
//	row         spreadsheet row of the input row (the input's header is row 1)
//	externalId  the externalId as read from the input
//	status      one of importer.Statuses
//	entityId    the group id on the server; empty when unknown
//	code        the API error code; empty when none
//	message     the API's or the validator's message
//	warnings    API warnings as "CODE: message" items joined by " | "
//	attempts    requests sent for the row (0 when it was never sent)
//	requestId   X-Cap-Requestid of the last response, for support tickets
//	reason      importer.Reason tokens, separated by spaces: facts the
//	            status alone does not say (answer_lost, size_not_compared...)
//	action      a diff's plan: create, update, none or conflict
//	fingerprint importer.Fingerprint of the group the row sends
//	differences a diff's differing fields (importer.DiffDetail.Differences)
//
// Messages are for people: nothing reads a fact back out of one.
//
// People open results in spreadsheets, which evaluate a cell starting with
// =, +, -, @, a tab or a carriage return as a formula. Such text cells
// (externalId, message, warnings, requestId) are written with a leading
// single quote, as OWASP advises against CSV injection. To keep that
// reversible, the quote is added whenever the first character that is not
// a quote is one of those triggers, and [ReadResults] removes one leading
// quote from exactly those cells, which recovers the original text:
//
//	original   written
//	=1+2       '=1+2
//	'=1+2      ''=1+2
//	'quoted    'quoted
//	-5         '-5
//
// Numeric cells are never touched.
//
// A [Writer] buffers rows and hands whole lines to the file, and syncs it,
// at least once a second, so a crash loses about a second of rows at most
// and rarely leaves a partial line; [ReadResults] reports a partial last
// line with [ErrTruncated] after delivering every complete one.
//
// # A run's results
//
// [Results] is the file one run writes, with what keeps it trustworthy: the
// lock ([Lock]), the record of where its rows were sent ([Origin], in
// RESULTS.meta), a resumed run's reading of the earlier record ([Prior])
// and its new record in RESULTS.partial, merged back at the end ([Merge]),
// and RESULTS.journal, where rows that finish behind a slow one are kept
// until the ordered lines catch up with them. A resume merges whatever a
// killed run left before it reads anything. Once a second, and before the
// final merge, it checks that the results path still names the file it
// writes; when it does not (deleted, moved, replaced), the run is told to
// stop ([ResultsOptions].OnLost) and Close saves the lines, read back from
// the open file, to a rescue file ([LostError]).
//
// # Dependencies
//
// report imports the engine (importer) for Result and Summary, and never
// the API client: the engine judges rows (importer.CheckResume, the one
// rule of which rows a resume keeps) and report records and renders what
// it decided. It imports progressbar and
// x/term for the live bar, and excelize for a --failed-out workbook. The
// engine never imports report; the command line wires the two.
package report
