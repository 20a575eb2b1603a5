// The go-plugin side of the process benchmark: a Go host with go-plugin's own client calling the echo plugin.
// Prints one JSON object with the same figures the Hotplug harness prints.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"os/exec"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"hotplug/echopb"
)

type echoPlugin struct{ plugin.Plugin }

func (echoPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }
func (echoPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return echopb.NewEchoClient(c), nil
}

func start(path string, logEachCall bool) (*plugin.Client, echopb.EchoClient, time.Duration) {
	began := time.Now()
	cmd := exec.Command(path)
	if logEachCall {
		cmd.Env = append(os.Environ(), "ECHO_LOG_EACH_CALL=1")
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  plugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "HOTPLUG_BENCH", MagicCookieValue: "echo"},
		Plugins:          map[string]plugin.Plugin{"echo": &echoPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           hclog.New(&hclog.LoggerOptions{Output: ioutil.Discard}),
	})
	rpc, err := client.Client()
	if err != nil {
		panic(err)
	}
	raw, err := rpc.Dispense("echo")
	if err != nil {
		panic(err)
	}
	echo := raw.(echopb.EchoClient)
	if _, err := echo.Echo(context.Background(), &echopb.Payload{Data: []byte("x")}); err != nil {
		panic(err)
	}
	return client, echo, time.Since(began)
}

func latency(echo echopb.EchoClient, size, warmup, n int) (float64, float64) {
	payload := &echopb.Payload{Data: make([]byte, size)}
	for i := 0; i < warmup; i++ {
		echo.Echo(context.Background(), payload)
	}
	samples := make([]float64, n)
	for i := range samples {
		t := time.Now()
		if _, err := echo.Echo(context.Background(), payload); err != nil {
			panic(err)
		}
		samples[i] = float64(time.Since(t).Microseconds())
	}
	sort.Float64s(samples)
	return samples[n/2], samples[n*99/100]
}

func throughput(echo echopb.EchoClient, callers int, d time.Duration) float64 {
	var calls int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	payload := &echopb.Payload{Data: make([]byte, 16)}
	for c := 0; c < callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if _, err := echo.Echo(context.Background(), payload); err == nil {
					atomic.AddInt64(&calls, 1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(calls) / d.Seconds()
}

func main() {
	path := os.Args[1]
	n := 5000
	var starts []float64
	for i := 0; i < 5; i++ {
		c, _, took := start(path, false)
		starts = append(starts, float64(took.Microseconds())/1000)
		c.Kill()
	}
	sort.Float64s(starts)
	client, echo, _ := start(path, false)
	defer client.Kill()
	result := map[string]interface{}{"host": "go-plugin 1.0.1 (Go host)"}
	result["start_to_first_call_ms"] = starts[len(starts)/2]
	p50, p99 := latency(echo, 16, 3000, n)
	result["p50_16B_us"], result["p99_16B_us"] = p50, p99
	p50, p99 = latency(echo, 64*1024, 300, n/5)
	result["p50_64KiB_us"], result["p99_64KiB_us"] = p50, p99
	for _, callers := range []int{1, 4, 8, 16} {
		result[fmt.Sprintf("calls_per_s_%d", callers)] = throughput(echo, callers, 3*time.Second)
	}
	// The plugin writing one hclog line per call: go-plugin's host parses each and logs it at its level to the host's
	// logger (information and up, formatted, written nowhere).
	logged, logEcho, _ := start(path, true)
	defer logged.Kill()
	p50, p99 = latency(logEcho, 16, 3000, n)
	result["log_p50_16B_us"], result["log_p99_16B_us"] = p50, p99
	for _, callers := range []int{1, 4, 8, 16} {
		result[fmt.Sprintf("log_calls_per_s_%d", callers)] = throughput(logEcho, callers, 3*time.Second)
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}
