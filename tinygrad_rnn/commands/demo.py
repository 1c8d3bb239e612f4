"""``tinygrad-rnn demo``: a short tour of autodiff (a value, its graph, its gradients)."""
from ..cli import CommandError


def add_parser(sub):
    p = sub.add_parser("demo", help="show autodiff on a small expression",
                       description="Compute y = tanh(x W + b) summed, backprop, and print the "
                                   "recorded graph and the gradients.")
    p.add_argument("--seed", type=int, default=0, help="random seed for W and b (default 0)")
    p.set_defaults(run=run)


def run(args):
    import tinygrad_rnn as tr

    if args.seed < 0:
        raise CommandError(f"--seed must be non-negative, got {args.seed}")
    tr.manual_seed(args.seed)
    layer = tr.nn.Linear(3, 2)
    x = tr.Tensor([[1.0, -2.0, 0.5]], name="x")
    loss = layer(x).tanh().sum()
    loss.backward()
    print(f"loss = sum(tanh(x W + b)) = {loss.item():.6f}")
    print("recorded graph, inputs before outputs:")
    for node in tr.topological_order(loss):
        made = f"{node.op}({', '.join(i.name or i.op or 'const' for i in node.inputs)})" if node.op else "leaf"
        print(f"  {node.name or node.op:>6} {str(tuple(node.shape)):>7}  {made}")
    for name, p in layer.named_parameters():
        print(f"dloss/d{name} =\n{p.grad}")
    return 0
