// Package page renders one run of groupimport as a single HTML page that a
// person can open, print, attach to an e-mail or a ticket, and read offline.
//
// A reader of a run's record fills a [Page] (plain data: header facts,
// totals by status, a timeline, problems by kind and the rows that did not
// succeed) and [Write] renders it. The page is self-contained: its CSS,
// its charts (inline SVG) and its one small script are inside the file, and
// it names no URL, so opening it fetches nothing. It reads in light and
// dark mode and prints legibly.
//
// The page stays small however large the run: success rows are counted,
// not listed, and at most [MaxRows] of the other rows are listed, with a
// note saying how many more the record holds. The timeline is binned by
// minute for a short run and by wider bins (up to a day) for a long one, so
// that it has at most about [MaxBins] bars; each bin that had traffic is
// one mark carrying its numbers as data attributes (data-minute,
// data-requests, ...) and as a tooltip.
//
// page imports only the standard library: it knows nothing of how records
// are read, and the rows' statuses are plain strings.
package page
