package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// logger writes the command's own messages to stderr: plain lines on a
// terminal, timestamped lines in logs (cron), or JSON records for log
// shippers (--log-format json).
type logger struct {
	w     io.Writer
	json  bool
	stamp bool
	now   func() time.Time
	// through, when set, takes each text line instead of w: the progress
	// bar's Println, so that a message does not tear the bar. It is set
	// and cleared while other goroutines may log (the results' check
	// that its file is still there), hence the lock.
	mu      sync.Mutex
	through func(string)
}

// setThrough sends the text lines to f instead of w; nil sends them to w.
func (l *logger) setThrough(f func(string)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.through = f
}

func newLogger(w io.Writer, terminal bool) *logger {
	return &logger{w: w, stamp: !terminal, now: time.Now}
}

func (l *logger) infof(format string, args ...any)  { l.log("INFO", format, args...) }
func (l *logger) warnf(format string, args ...any)  { l.log("WARN", format, args...) }
func (l *logger) errorf(format string, args ...any) { l.log("ERROR", format, args...) }

func (l *logger) log(level, format string, args ...any) {
	l.write(level, strings.TrimSpace(fmt.Sprintf(format, args...)), "")
}

// errorHint logs an error and the next step to take: in text, the hint is
// the line after the message; in JSON, a field of its own ("hint").
func (l *logger) errorHint(msg, hint string) { l.write("ERROR", strings.TrimSpace(msg), hint) }

func (l *logger) write(level, msg, hint string) {
	if l.json {
		b, _ := json.Marshal(struct {
			Time  string `json:"time"`
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Hint  string `json:"hint,omitempty"`
		}{l.now().UTC().Format(time.RFC3339Nano), level, msg, hint})
		l.w.Write(append(b, '\n'))
		return
	}
	if hint != "" {
		msg += "\n" + hint
	}
	var b strings.Builder
	if l.stamp {
		b.WriteString(l.now().UTC().Format(time.RFC3339) + " ")
	}
	b.WriteString("groupimport: ")
	switch level {
	case "WARN":
		b.WriteString("warning: ")
	case "ERROR":
		if l.stamp {
			b.WriteString("error: ")
		}
	}
	b.WriteString(msg)
	l.mu.Lock()
	through := l.through
	l.mu.Unlock()
	if through != nil {
		through(b.String())
		return
	}
	b.WriteByte('\n')
	io.WriteString(l.w, b.String())
}

// syncWriter serialises writes from several goroutines, and stops writing
// once a write has failed: a closed stderr (piped into head, or a terminal
// gone with its SSH session) must cost the run nothing, and its messages
// have nowhere else to go. The results file is what must not be lost.
type syncWriter struct {
	mu     sync.Mutex
	w      io.Writer
	broken bool
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		return len(p), nil
	}
	if _, err := s.w.Write(p); err != nil {
		s.broken = true
	}
	return len(p), nil
}
