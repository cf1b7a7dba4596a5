package main

import (
	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/runners"
)

// modelsFileEnv names the environment variable read when --models is not given.
const modelsFileEnv = "REALX_MODELS"

// modelFromFlags resolves --model (realx.ResolveModel): a name from the models file (--models,
// or the file named by REALX_MODELS) first, else PROVIDER:MODEL or a bare name with
// --base-url. --base-url, --api-key-env and --label override the file's entry. It returns the
// models file's entries too (nil without one), which give LLM judges their prices.
func modelFromFlags(c *cli.Context, getenv func(string) string) (*realx.Model, map[string]runners.ModelEntry, error) {
	ref := realx.ModelRef{Name: c.String("model"), BaseURL: c.String("base-url"), KeyEnv: c.String("api-key-env"),
		ModelsFile: c.String("models"), ModelsNamed: c.IsSet("models"), Label: c.String("label")}
	if ref.ModelsFile == "" {
		ref.ModelsFile = getenv(modelsFileEnv)
	}
	if ref.ModelsFile != "" && ref.Name != "" {
		models, err := runners.ReadModels(ref.ModelsFile)
		if err != nil {
			return nil, nil, err
		}
		ref.Models = models
	}
	m, err := realx.ResolveModel(ref, getenv)
	return m, ref.Models, err
}
