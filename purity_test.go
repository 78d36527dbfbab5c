package loyalty_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The library's code (every package of the module but examples/ and bench/,
// which are programs, and tests) keeps three rules that determinism and
// exact money rest on:
//
//   - the wall clock is read in one place, SystemClock (clock.go), the
//     Engine's default Clock: everything else takes "now" from the injected
//     Clock;
//   - chance comes from an injected source: no package-level function of
//     math/rand or math/rand/v2 (the process-wide generator), only
//     generators built from a seed (rand.New, rand.NewPCG, rand.NewChaCha8);
//   - no amount passes through a float: no decimal.NewFromFloat or
//     InexactFloat64 anywhere, and float32/float64 only in economics/sim,
//     whose customer model draws counts, days and choices with them (prices
//     and every amount there are decimals and minor units).
func TestLibraryCodeReadsNoWallClockNoGlobalRandomAndNoFloatAmounts(t *testing.T) {
	allowedRand := map[string]bool{"New": true, "NewPCG": true, "NewChaCha8": true, "Rand": true, "PCG": true, "ChaCha8": true, "Source": true}
	wallClock := map[string]bool{"Now": true, "Since": true, "Until": true}
	var problems []string
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch path {
			case "examples", "bench", "docs", ".git", ".ci":
				return filepath.SkipDir
			}
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		imports := map[string]string{} // local name -> import path
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			name := p[strings.LastIndex(p, "/")+1:]
			if p == "math/rand/v2" {
				name = "rand"
			}
			if im.Name != nil {
				name = im.Name.Name
			}
			imports[name] = p
		}
		inSim := filepath.ToSlash(filepath.Dir(path)) == "economics/sim"
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				at := fset.Position(n.Pos()).String()
				if x, ok := n.X.(*ast.Ident); ok {
					switch imports[x.Name] {
					case "time":
						if wallClock[n.Sel.Name] && path != "clock.go" {
							problems = append(problems, at+": time."+n.Sel.Name+" outside SystemClock")
						}
					case "math/rand", "math/rand/v2":
						if !allowedRand[n.Sel.Name] {
							problems = append(problems, at+": the process-wide generator (rand."+n.Sel.Name+")")
						}
					}
				}
				if strings.HasPrefix(n.Sel.Name, "NewFromFloat") || n.Sel.Name == "InexactFloat64" {
					problems = append(problems, at+": an amount through a float ("+n.Sel.Name+")")
				}
			case *ast.Ident:
				if (n.Name == "float64" || n.Name == "float32") && !inSim {
					problems = append(problems, fset.Position(n.Pos()).String()+": "+n.Name+" outside economics/sim")
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, files, 150, "the walk found the library's files")
	assert.Empty(t, problems)
}
