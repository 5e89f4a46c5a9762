package main

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	tests := []struct {
		service  string
		port     int
		infra    bool
		traffic  bool
		interval time.Duration
	}{
		{"survey-service", 3001, false, true, 2 * time.Second},
		{"admin-service", 3010, false, true, 2 * time.Second},
		{"redis", 6379, true, true, 2 * time.Second},
		{"kafka-ui", 8080, true, true, 2 * time.Second},
		{"custom-service", 3000, false, true, 2 * time.Second},
	}
	for _, tt := range tests {
		c, err := loadConfig(envMap(map[string]string{"STANDIN_SERVICE": tt.service}))
		if err != nil {
			t.Fatalf("%s: %v", tt.service, err)
		}
		if c.Port != tt.port || c.Infra != tt.infra || c.Traffic != tt.traffic || c.TrafficInterval != tt.interval {
			t.Errorf("%s: got port %d infra %v traffic %v interval %v", tt.service, c.Port, c.Infra, c.Traffic, c.TrafficInterval)
		}
		if c.DataDir != "/data" || c.LogLevel != levelDebug || c.CPUBurn != 0 || c.MemoryMB != 0 {
			t.Errorf("%s: unexpected defaults %+v", tt.service, c)
		}
	}
}

func TestLoadConfigKnobs(t *testing.T) {
	c, err := loadConfig(envMap(map[string]string{
		"STANDIN_SERVICE":          "survey-service",
		"PORT":                     "4001",
		"LOG_LEVEL":                "WARN",
		"STANDIN_CALLS":            "geolocation-service:3002, analytics=10.0.0.5:3003",
		"STANDIN_UNHEALTHY_AFTER":  "20s",
		"STANDIN_CRASH_AFTER":      "1m30s",
		"STANDIN_CPU_BURN":         "0.5",
		"STANDIN_MEMORY_MB":        "64",
		"STANDIN_LOG_RATE":         "12.5",
		"STANDIN_WRITE_MB":         "3",
		"STANDIN_DATA_DIR":         "/uploads",
		"STANDIN_TRAFFIC":          "off",
		"STANDIN_TRAFFIC_INTERVAL": "500ms",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		Service: "survey-service", Port: 4001, Version: "1.0.0-demo", LogLevel: levelWarn,
		Calls:          []downstream{{"geolocation-service", "geolocation-service:3002"}, {"analytics", "10.0.0.5:3003"}},
		Watch:          []downstream{{"geolocation-service", "geolocation-service:3002"}, {"analytics", "10.0.0.5:3003"}},
		UnhealthyAfter: 20 * time.Second, CrashAfter: 90 * time.Second, CPUBurn: 0.5, MemoryMB: 64,
		LogRate: 12.5, WriteMB: 3, DataDir: "/uploads", Traffic: false, TrafficInterval: 500 * time.Millisecond,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		key, value, wantInErr string
	}{
		{"STANDIN_SERVICE", "", "STANDIN_SERVICE is empty"},
		{"PORT", "70000", `PORT="70000"`},
		{"PORT", "http", "TCP port number"},
		{"LOG_LEVEL", "verbose", "want error, warn, info or debug"},
		{"STANDIN_CALLS", "geolocation-service", "want service:port"},
		{"STANDIN_CALLS", "a:b", "bad entry \"a:b\""},
		{"STANDIN_WATCH", "x:0", "STANDIN_WATCH"},
		{"STANDIN_UNHEALTHY_AFTER", "20", "want a duration such as 20s"},
		{"STANDIN_CRASH_AFTER", "-5s", "STANDIN_CRASH_AFTER"},
		{"STANDIN_TRAFFIC_INTERVAL", "1ms", "at least 100ms"},
		{"STANDIN_TRAFFIC", "maybe", "want on or off"},
		{"STANDIN_CPU_BURN", "half", "fraction of one core"},
		{"STANDIN_CPU_BURN", "-1", "fraction of one core"},
		{"STANDIN_CPU_BURN", "1000", "at most the number of CPUs"},
		{"STANDIN_MEMORY_MB", "1.5", "whole number of megabytes"},
		{"STANDIN_MEMORY_MB", "999999", "from 0 to 4096"},
		{"STANDIN_WRITE_MB", "x", "STANDIN_WRITE_MB"},
		{"STANDIN_LOG_RATE", "lots", "extra log lines per second"},
	}
	for _, tt := range tests {
		env := map[string]string{"STANDIN_SERVICE": "survey-service", tt.key: tt.value}
		_, err := loadConfig(envMap(env))
		if err == nil {
			t.Errorf("%s=%q: no error", tt.key, tt.value)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantInErr) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%q: error %q, want one line containing %q", tt.key, tt.value, err, tt.wantInErr)
		}
	}
}

func TestHealthPort(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want int
	}{
		{map[string]string{"PORT": "4010", "STANDIN_SERVICE": "survey-service"}, 4010},
		{map[string]string{"STANDIN_SERVICE": "notification-service"}, 3005},
		{map[string]string{"STANDIN_SERVICE": "zookeeper"}, 2181},
		{map[string]string{"PORT": "junk", "STANDIN_SERVICE": "kafka"}, 9092},
		{map[string]string{}, 3000},
	}
	for _, tt := range tests {
		if got := healthPort(envMap(tt.env)); got != tt.want {
			t.Errorf("healthPort(%v) = %d, want %d", tt.env, got, tt.want)
		}
	}
}
