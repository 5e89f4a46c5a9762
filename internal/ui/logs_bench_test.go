package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/logs"
)

// BenchmarkLogsPaneBatchAndFrame is one frame's work at 5k lines/s: the source delivers a
// batch every 50 ms (250 lines), the pane buffers and filters it, and the frame is rendered
// (200x50). At 20 frames/s the budget is 50 ms per op; the figure is far below it.
func BenchmarkLogsPaneBatchAndFrame(b *testing.B) {
	p := NewLogsPane(nil, LogsPaneOptions{}).(*logsPane)
	p.keys = DefaultKeyMap()
	ctx := PaneContext{Keys: DefaultKeyMap(), Styles: NewStyles(true), Now: fixedNow, Focused: true}
	p.setQuery("level>=info")
	batch := make([]logs.Entry, 250)
	svcs := []string{"survey-service", "analytics-service", "notification-service", "gateway"}
	for i := range batch {
		line := fmt.Sprintf(`{"level":"info","message":"Survey response submitted %d","correlationId":"c-%d","durationMs":%d}`, i, i/5, i)
		batch[i] = logs.Parse([]byte(line), logs.Meta{Time: time.Now(), Service: svcs[i%len(svcs)]})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.addBatch(logs.Batch{Entries: batch})
		_ = p.Render(ctx, 200, 50)
	}
}
