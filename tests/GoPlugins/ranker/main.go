// A Go plugin that implements a Hotplug contract, ranking/v1, from the .proto `hotplug proto` exported for it
// (proto/ranker.proto): the host calls it through the same IRanker router as its .NET plugins.
package main

import (
	"context"
	"os"
	"sort"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"hotplug/rankerpb"
)

type ranker struct{ version string }

// Rank orders the items by score, highest first; ties keep the caller's order.
func (r ranker) Rank(_ context.Context, request *rankerpb.RankRequest) (*rankerpb.RankResponse, error) {
	items := append([]*rankerpb.RankItem(nil), request.Items...)
	sort.SliceStable(items, func(i, j int) bool { return items[i].Score > items[j].Score })
	ids := make([]string, 0, len(items))
	for _, item := range items {
		ids = append(ids, item.Id)
	}
	return &rankerpb.RankResponse{Ids: ids, Strategy: os.Getenv("HOTPLUG_PLUGIN_ID") + "@" + r.version + " (go)"}, nil
}

type rankerPlugin struct{ plugin.Plugin }

func (rankerPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	rankerpb.RegisterRankerServer(s, ranker{version: os.Getenv("HOTPLUG_PLUGIN_VERSION")})
	return nil
}

func (rankerPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return rankerpb.NewRankerClient(c), nil
}

func main() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  1,
			MagicCookieKey:   "HOTPLUG_TEST_PLUGIN",
			MagicCookieValue: "d3c4f1a0",
		},
		Plugins:    map[string]plugin.Plugin{"ranker": rankerPlugin{}},
		GRPCServer: plugin.DefaultGRPCServer,
	})
}
