// The floor of the process benchmark: a raw length-prefixed echo between two processes over a Unix socket.
// "pingpong serve <socket>" echoes; "pingpong <socket>" starts the server as a child process and measures.
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

func serve(path string) {
	l, err := net.Listen("unix", path)
	if err != nil {
		panic(err)
	}
	fmt.Println("ready")
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			header := make([]byte, 4)
			buf := make([]byte, 1<<20)
			for {
				if _, err := io.ReadFull(c, header); err != nil {
					return
				}
				n := binary.LittleEndian.Uint32(header)
				if _, err := io.ReadFull(c, buf[:n]); err != nil {
					return
				}
				c.Write(header)
				c.Write(buf[:n])
			}
		}(c)
	}
}

func call(c net.Conn, payload, buf []byte) {
	header := make([]byte, 4)
	binary.LittleEndian.PutUint32(header, uint32(len(payload)))
	c.Write(header)
	c.Write(payload)
	io.ReadFull(c, header)
	io.ReadFull(c, buf[:binary.LittleEndian.Uint32(header)])
}

func latency(path string, size, warmup, n int) (float64, float64) {
	c, _ := net.Dial("unix", path)
	defer c.Close()
	payload, buf := make([]byte, size), make([]byte, size)
	for i := 0; i < warmup; i++ {
		call(c, payload, buf)
	}
	samples := make([]float64, n)
	for i := range samples {
		t := time.Now()
		call(c, payload, buf)
		samples[i] = float64(time.Since(t).Microseconds())
	}
	sort.Float64s(samples)
	return samples[n/2], samples[n*99/100]
}

func throughput(path string, callers int, d time.Duration) float64 {
	var calls int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := net.Dial("unix", path)
			defer c.Close()
			payload, buf := make([]byte, 16), make([]byte, 16)
			for time.Now().Before(deadline) {
				call(c, payload, buf)
				atomic.AddInt64(&calls, 1)
			}
		}()
	}
	wg.Wait()
	return float64(calls) / d.Seconds()
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "serve" {
		serve(os.Args[2])
		return
	}
	path := os.Args[1]
	os.Remove(path)
	server := exec.Command(os.Args[0], "serve", path)
	out, _ := server.StdoutPipe()
	server.Start()
	defer server.Process.Kill()
	io.ReadFull(out, make([]byte, 6))
	result := map[string]interface{}{"host": "raw Unix socket, length-prefixed (floor)"}
	p50, p99 := latency(path, 16, 3000, 5000)
	result["p50_16B_us"], result["p99_16B_us"] = p50, p99
	p50, p99 = latency(path, 64*1024, 300, 1000)
	result["p50_64KiB_us"], result["p99_64KiB_us"] = p50, p99
	for _, callers := range []int{1, 4, 16} {
		result[fmt.Sprintf("calls_per_s_%d", callers)] = throughput(path, callers, 3*time.Second)
	}
	j, _ := json.Marshal(result)
	fmt.Println(string(j))
}
