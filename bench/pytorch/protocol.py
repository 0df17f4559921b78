#!/usr/bin/python3
"""The paper's protocol (PROTOCOL.md) as a plain PyTorch CPU script, for `npm run bench --pytorch`.

It loads the same TF.js layers model (model.json + weights.bin), the same images and settings as
the bench's own protocol run, and prints one JSON object: images/s, seconds by stage and per image
the predicted class, eps* and flips per alpha, so the two implementations can be checked against
each other. Runs on Debian's python3-torch (1.13) with Pillow (python3-pil):

    /usr/bin/python3 bench/pytorch/protocol.py --model media/demo/model/model.json \
        --data media/demo/data --limit 8 --samples 2000 --threads 2

The random set is the engine's own when --random-set names a raw float32 file of samples x d values
(the bench writes it); otherwise it is drawn here from --seed with torch's generator: the same
distribution (uniform in the unit d-ball), different numbers.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

try:
    from PIL import Image
except ImportError:  # pragma: no cover - reported as a one-line error below
    Image = None


class UsageError(Exception):
    pass


# ---------------------------------------------------------------- the TF.js layers model

SUPPORTED_ACTIVATIONS = {'linear', 'relu', 'sigmoid', 'softmax', 'tanh', 'elu', 'selu', 'softplus', 'relu6'}


def activate(x, name):
    if name in (None, 'linear'):
        return x
    if name == 'relu':
        return torch.relu(x)
    if name == 'sigmoid':
        return torch.sigmoid(x)
    if name == 'softmax':
        return torch.softmax(x, dim=-1)
    if name == 'tanh':
        return torch.tanh(x)
    if name == 'elu':
        return F.elu(x)
    if name == 'selu':
        return F.selu(x)
    if name == 'softplus':
        return F.softplus(x)
    if name == 'relu6':
        return F.relu6(x)
    raise UsageError(f'unsupported activation {name}')


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def same_padding(size, kernel, stride, dilation):
    """TensorFlow's 'same' padding along one axis: (before, after), the extra pixel after."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


class Layer:
    """One layer on NCHW tensors (or [n, features] after flattening); run(x, last) skips the activation when last."""

    def __init__(self, kind, run, activation='linear'):
        self.kind = kind
        self.run = run
        self.activation = activation


def layer_list(topology):
    config = topology.get('config', topology)
    cls = topology.get('class_name')
    layers = config['layers'] if isinstance(config, dict) else config
    if cls in ('Model', 'Functional'):
        # A functional model is accepted when its layers form one chain.
        for i, layer in enumerate(layers[1:], start=1):
            inbound = layer.get('inbound_nodes') or []
            sources = [node[0] for group in inbound for node in group] if inbound and isinstance(inbound[0], list) else []
            if len(sources) != 1 or sources[0] != layers[i - 1]['config']['name']:
                raise UsageError(f'only chain-shaped models are supported; layer {layer["config"]["name"]} is not fed by the layer before it')
    elif cls != 'Sequential':
        raise UsageError(f'unsupported model class {cls}')
    return layers


def read_weights(model_dir, manifest):
    weights = {}
    for group in manifest:
        blob = b''.join(open(os.path.join(model_dir, path), 'rb').read() for path in group['paths'])
        offset = 0
        for spec in group['weights']:
            if spec.get('dtype', 'float32') != 'float32' or spec.get('quantization'):
                raise UsageError(f'weight {spec["name"]}: only unquantised float32 weights are supported')
            count = int(np.prod(spec['shape'])) if spec['shape'] else 1
            values = np.frombuffer(blob, dtype='<f4', count=count, offset=offset).reshape(spec['shape'])
            offset += 4 * count
            parts = spec['name'].split('/')
            weights[(parts[-2] if len(parts) > 1 else '', parts[-1])] = torch.from_numpy(values.copy())
        if offset != len(blob):
            raise UsageError(f'weights: {len(blob)} bytes in {group["paths"]}, the manifest describes {offset}')
    return weights


def take(weights, layer, name):
    try:
        return weights.pop((layer, name))
    except KeyError:
        raise UsageError(f'layer {layer}: no weight {name} in the weights manifest') from None


class LayersModel:
    """A TF.js layers model rebuilt on torch: NHWC input in, the last layer's pre-activation out."""

    def __init__(self, model_json):
        with open(model_json) as handle:
            spec = json.load(handle)
        if spec.get('format', 'layers-model') != 'layers-model' or 'modelTopology' not in spec:
            raise UsageError(f'{model_json} is not a TF.js layers model')
        topology = spec['modelTopology']
        topology = topology.get('model_config', topology)
        weights = read_weights(os.path.dirname(os.path.abspath(model_json)), spec['weightsManifest'])
        configs = layer_list(topology)
        self.layers = []
        shape = None
        self.output_activation = 'linear'
        for entry in configs:
            kind, config = entry['class_name'], entry['config']
            name = config.get('name', '')
            if shape is None:
                batch_shape = config.get('batch_input_shape') or config.get('batch_shape')
                if batch_shape is None:
                    raise UsageError('the model does not declare its input shape')
                shape = list(batch_shape[1:])
                if len(shape) != 3:
                    raise UsageError(f'only image models [H, W, C] are supported, input is {shape}')
                self.input_shape = tuple(shape)
                if kind == 'InputLayer':
                    continue
            layer, shape = self.build(kind, config, name, shape, weights)
            self.layers.append(layer)
        if weights:
            raise UsageError(f'weights not used by any layer: {sorted("/".join(k) for k in weights)}')
        # The output activation is the last layer's that has one (dropout after it changes nothing);
        # logits() stops before it, outputs() applies it.
        self.head = max(i for i, layer in enumerate(self.layers) if layer.kind != 'Dropout')
        if self.layers[self.head].kind in ('Dense', 'Conv2D', 'Activation'):
            self.output_activation = self.layers[self.head].activation
        if len(shape) != 1:
            raise UsageError(f'the model output is {shape}, expected a vector of class scores')
        self.output_count = shape[0]
        if self.output_activation not in ('linear', 'sigmoid', 'softmax'):
            raise UsageError(f'output activation {self.output_activation}: expected sigmoid, softmax or linear')

    def build(self, kind, config, name, shape, weights):
        if kind == 'Conv2D':
            if config.get('data_format', 'channels_last') != 'channels_last':
                raise UsageError(f'{name}: only channels_last is supported')
            kernel = take(weights, name, 'kernel').permute(3, 2, 0, 1).contiguous()  # HWIO -> OIHW
            bias = take(weights, name, 'bias') if config.get('use_bias', True) else None
            stride, dilation = pair(config['strides']), pair(config.get('dilation_rate', 1))
            kh, kw = kernel.shape[2], kernel.shape[3]
            if config['padding'] == 'same':
                ph, pw = same_padding(shape[0], kh, stride[0], dilation[0]), same_padding(shape[1], kw, stride[1], dilation[1])
            elif config['padding'] == 'valid':
                ph, pw = (0, 0), (0, 0)
            else:
                raise UsageError(f'{name}: padding {config["padding"]}')
            symmetric = ph[0] == ph[1] and pw[0] == pw[1]
            activation = config.get('activation', 'linear')
            if activation not in SUPPORTED_ACTIVATIONS:
                raise UsageError(f'{name}: unsupported activation {activation}')

            def run(x, last=False):
                if symmetric:
                    y = F.conv2d(x, kernel, bias, stride, (ph[0], pw[0]), dilation)
                else:
                    y = F.conv2d(F.pad(x, (pw[0], pw[1], ph[0], ph[1])), kernel, bias, stride, 0, dilation)
                return y if last else activate(y, activation)

            out_h = (shape[0] + ph[0] + ph[1] - ((kh - 1) * dilation[0] + 1)) // stride[0] + 1
            out_w = (shape[1] + pw[0] + pw[1] - ((kw - 1) * dilation[1] + 1)) // stride[1] + 1
            return Layer(kind, run, activation), [out_h, out_w, kernel.shape[0]]
        if kind in ('MaxPooling2D', 'AveragePooling2D'):
            size = pair(config['pool_size'])
            stride = pair(config.get('strides') or config['pool_size'])
            if config.get('padding', 'valid') == 'same':
                ph, pw = same_padding(shape[0], size[0], stride[0], 1), same_padding(shape[1], size[1], stride[1], 1)
            else:
                ph, pw = (0, 0), (0, 0)
            fill = float('-inf') if kind == 'MaxPooling2D' else 0.0
            if kind == 'AveragePooling2D' and (ph != (0, 0) or pw != (0, 0)):
                raise UsageError(f'{name}: AveragePooling2D with same padding is not supported')
            pool = F.max_pool2d if kind == 'MaxPooling2D' else F.avg_pool2d

            def run(x, last=False):
                if ph != (0, 0) or pw != (0, 0):
                    x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]), value=fill)
                return pool(x, size, stride)

            out = [(shape[0] + ph[0] + ph[1] - size[0]) // stride[0] + 1, (shape[1] + pw[0] + pw[1] - size[1]) // stride[1] + 1, shape[2]]
            return Layer(kind, run), out
        if kind == 'GlobalMaxPooling2D':
            return Layer(kind, lambda x, last=False: torch.amax(x, dim=(2, 3))), [shape[2]]
        if kind == 'GlobalAveragePooling2D':
            return Layer(kind, lambda x, last=False: torch.mean(x, dim=(2, 3))), [shape[2]]
        if kind == 'Flatten':
            if len(shape) == 3:
                # Keras flattens in H, W, C order.
                return Layer(kind, lambda x, last=False: x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)), [int(np.prod(shape))]
            return Layer(kind, lambda x, last=False: x), shape
        if kind == 'Dropout':
            return Layer(kind, lambda x, last=False: x), shape
        if kind == 'Activation':
            activation = config['activation']
            return Layer(kind, lambda x, last=False: x if last else activate(x, activation), activation), shape
        if kind == 'Dense':
            if len(shape) != 1:
                raise UsageError(f'{name}: Dense on a {len(shape)}-d input is not supported')
            kernel = take(weights, name, 'kernel').t().contiguous()
            bias = take(weights, name, 'bias') if config.get('use_bias', True) else None
            activation = config.get('activation', 'linear')
            if activation not in SUPPORTED_ACTIVATIONS:
                raise UsageError(f'{name}: unsupported activation {activation}')

            def run(x, last=False):
                y = F.linear(x, kernel, bias)
                return y if last else activate(y, activation)

            return Layer(kind, run, activation), [kernel.shape[0]]
        raise UsageError(f'layer {name}: unsupported layer type {kind}')

    def logits(self, images):
        """images: [n, H, W, C] (pixel space). Returns [n, k]: the output layer before its activation."""
        x = images.permute(0, 3, 1, 2)
        for i, layer in enumerate(self.layers):
            x = layer.run(x, last=i == self.head)
        return x

    def outputs(self, images):
        return activate(self.logits(images), self.output_activation)

    def classes(self, images):
        """p > 0.5 for a sigmoid (z > 0 for a single linear output), argmax for k outputs: the engine's rule."""
        outputs = self.outputs(images)
        if self.output_count == 1:
            threshold = 0.0 if self.output_activation == 'linear' else 0.5
            return (outputs[:, 0] > threshold).to(torch.int64)
        return torch.argmax(outputs, dim=1)


# ---------------------------------------------------------------- images

def dataset(root, labels_file, limit):
    """(relative path, label) per image: classes from the labels file or the sorted folder names."""
    if not os.path.isdir(root):
        raise UsageError(f'{root} is not a folder')
    folders = sorted(e.name for e in os.scandir(root) if e.is_dir())
    if labels_file:
        with open(labels_file) as handle:
            classes = [line.strip() for line in handle if line.strip()]
    else:
        classes = folders
    tasks = []
    for name in folders:
        if name not in classes:
            raise UsageError(f'folder {name} is not a class in {labels_file}')
        files = sorted(f for f in os.listdir(os.path.join(root, name)) if f.lower().endswith(('.png', '.jpg', '.jpeg')))
        tasks.extend((f'{name}/{f}', classes.index(name)) for f in files)
    tasks.sort()
    if limit is not None:
        tasks = tasks[:limit]
    if not tasks:
        raise UsageError(f'{root} holds no images')
    return classes, tasks


def read_image(path, shape):
    """Pixels in [0,1], H·W·C values in HWC order; grey becomes RGB by copying (and RGB grey by averaging)."""
    height, width, channels = shape
    with Image.open(path) as image:
        image = image.convert('RGB' if channels == 3 else 'L')
        if image.size != (width, height):
            raise UsageError(f'{path} is {image.size[0]}x{image.size[1]}, the model expects {width}x{height} (resizing is not part of this script)')
        pixels = np.asarray(image, dtype=np.float32) / np.float32(255)
    return torch.from_numpy(pixels.reshape(-1).copy())


# ---------------------------------------------------------------- the protocol

def unit_ball_samples(count, dimension, seed):
    generator = torch.Generator().manual_seed(seed)
    g = torch.randn(count, dimension, generator=generator, dtype=torch.float64)
    u = torch.rand(count, 1, generator=generator, dtype=torch.float64)
    return (g / g.norm(dim=1, keepdim=True) * u.pow(1.0 / dimension)).to(torch.float32)


def load_random_set(path, count, dimension):
    values = np.fromfile(path, dtype='<f4')
    if values.size != count * dimension:
        raise UsageError(f'{path} holds {values.size} values, expected {count} x {dimension}')
    return torch.from_numpy(values.reshape(count, dimension))


def input_gradient(model, x, label):
    """The attack loss's gradient (the engine's losses): the logit for one output, cross-entropy, then the margin."""
    shape = (1, *model.input_shape)
    losses = ['logit'] if model.output_count == 1 else ['cross-entropy', 'margin']
    for loss in losses:
        image = x.reshape(shape).clone().requires_grad_(True)
        z = model.logits(image)
        if loss == 'logit':
            value = -z.sum() if label == 1 else z.sum()
        elif loss == 'cross-entropy':
            value = torch.logsumexp(z, dim=1).sum() - z[0, label]
        else:
            others = z.clone()
            others[0, label] = float('-inf')
            value = others.max() - z[0, label]
        (gradient,) = torch.autograd.grad(value, image)
        gradient = gradient.reshape(-1)
        if torch.any(gradient != 0):
            return gradient, loss
    return None, None


def first_flipping_step(model, x, label, direction, settings):
    """Smallest k in 1..scales whose x + eps_k v changes the class, scanned in ascending chunks; None if none."""
    scales, max_eps, chunk = settings['scales'], settings['maxEps'], settings['lineSearchChunk']
    shape = (-1, *model.input_shape)
    for first in range(1, scales + 1, chunk):
        last = min(scales, first + chunk - 1)
        epsilons = torch.tensor([k * max_eps / scales for k in range(first, last + 1)], dtype=torch.float32).unsqueeze(1)
        classes = model.classes((x.unsqueeze(0) + epsilons * direction.unsqueeze(0)).reshape(shape))
        flipped = torch.nonzero(classes != label)
        if flipped.numel():
            return first + int(flipped[0, 0])
    return None


def random_flips(model, x, label, eps, alphas, random_set, batch):
    shape = (-1, *model.input_shape)
    results = []
    for alpha in alphas:
        radius = torch.tensor(alpha * eps, dtype=torch.float32)
        flips = 0
        for start in range(0, random_set.shape[0], batch):
            rows = random_set[start:start + batch]
            classes = model.classes((x.unsqueeze(0) + radius * rows).reshape(shape))
            flips += int((classes != label).sum())
        results.append({'alpha': alpha, 'flips': flips, 'samples': int(random_set.shape[0])})
    return results


def analyse(model, x, label, settings, random_set, stages):
    started = time.perf_counter()
    with torch.inference_mode():
        predicted = int(model.classes(x.reshape(1, *model.input_shape))[0])
    record = {'predicted': predicted, 'correct': predicted == label, 'eps': None, 'random': []}
    stages['classify'] += time.perf_counter() - started
    if not record['correct']:
        return record
    started = time.perf_counter()
    gradient, loss = input_gradient(model, x, label)
    record['loss'] = loss
    norm = float(gradient.double().norm()) if gradient is not None else 0.0
    stages['gradient'] += time.perf_counter() - started
    if norm == 0.0 or not np.isfinite(norm):
        record['reason'] = 'zero gradient (saturated output)' if norm == 0.0 else 'non-finite gradient'
        return record
    direction = (gradient.double() / norm).to(torch.float32)
    started = time.perf_counter()
    with torch.inference_mode():
        step = first_flipping_step(model, x, label, direction, settings)
    stages['lineSearch'] += time.perf_counter() - started
    if step is None:
        record['reason'] = f'no flip within maxEps={settings["maxEps"]:g}'
        return record
    record['step'] = step
    record['eps'] = step * settings['maxEps'] / settings['scales']
    started = time.perf_counter()
    with torch.inference_mode():
        record['random'] = random_flips(model, x, label, record['eps'], settings['alphas'], random_set, settings['batch'])
    stages['random'] += time.perf_counter() - started
    return record


def forward_passes(records, settings):
    """Counted as the bench counts ours: 1 + line-search steps to the first flip (all when none) + samples x alphas."""
    passes = 0
    for record in records:
        passes += 1
        if not record['correct']:
            continue
        if record['eps'] is not None:
            passes += record['step'] + sum(r['samples'] for r in record['random'])
        elif record.get('reason', '').startswith('no flip'):
            passes += settings['scales']
    return passes


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', required=True, help='TF.js layers model.json')
    parser.add_argument('--data', required=True, help='dataset folder <class>/<image>')
    parser.add_argument('--labels', help='class names in model output order, one a line')
    parser.add_argument('--limit', type=int, help='first N images (sorted by class/file)')
    parser.add_argument('--samples', type=int, default=2000)
    parser.add_argument('--scales', type=int, default=256)
    parser.add_argument('--max-eps', type=float, default=10.0)
    parser.add_argument('--alphas', default='1,2,5,10')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--random-set', help='raw little-endian float32 file of samples x d values (else drawn from --seed)')
    parser.add_argument('--threads', type=int, default=2, help='torch.set_num_threads')
    parser.add_argument('--batch', type=int, default=64, help='random perturbations per forward pass (64: the fastest on the bench networks with 2 threads)')
    parser.add_argument('--line-search-chunk', type=int, default=32)
    args = parser.parse_args(argv)
    for flag in ('samples', 'scales', 'threads', 'batch', 'line_search_chunk'):
        if getattr(args, flag) < 1:
            raise UsageError(f'--{flag.replace("_", "-")} needs a positive integer')
    if args.limit is not None and args.limit < 1:
        raise UsageError('--limit needs a positive integer')
    if not args.max_eps > 0:
        raise UsageError('--max-eps needs a positive number')
    try:
        args.alphas = [float(a) for a in args.alphas.split(',') if a.strip()]
    except ValueError:
        raise UsageError(f'--alphas needs numbers, got {args.alphas}') from None
    if not args.alphas or any(not a > 0 for a in args.alphas):
        raise UsageError('--alphas needs positive numbers')
    return args


def main(argv):
    script_started = time.perf_counter()
    args = parse_args(argv)
    if Image is None:
        raise UsageError('Pillow is not installed (apt-get install python3-pil)')
    torch.set_num_threads(args.threads)
    model = LayersModel(args.model)
    classes, tasks = dataset(args.data, args.labels, args.limit)
    if len(classes) != (2 if model.output_count == 1 else model.output_count):
        raise UsageError(f'the model has {model.output_count} output(s), the dataset {len(classes)} classes')
    dimension = int(np.prod(model.input_shape))
    if args.random_set:
        random_set = load_random_set(args.random_set, args.samples, dimension)
        random_source = f'file {args.random_set}'
    else:
        random_set = unit_ball_samples(args.samples, dimension, args.seed)
        random_source = f'torch generator, seed {args.seed}'
    settings = {
        'samples': args.samples, 'scales': args.scales, 'maxEps': args.max_eps, 'alphas': args.alphas,
        'batch': args.batch, 'lineSearchChunk': args.line_search_chunk,
    }
    stages = {'decode': 0.0, 'classify': 0.0, 'gradient': 0.0, 'lineSearch': 0.0, 'random': 0.0}
    records = []
    analysis_started = time.perf_counter()
    for file, label in tasks:
        started = time.perf_counter()
        x = read_image(os.path.join(args.data, file), model.input_shape)
        stages['decode'] += time.perf_counter() - started
        record = analyse(model, x, label, settings, random_set, stages)
        records.append({'file': file, 'label': label, **record})
    analysis_seconds = time.perf_counter() - analysis_started
    passes = forward_passes(records, settings)
    result = {
        'tool': 'robustness-lens bench/pytorch/protocol.py',
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'settings': {**settings, 'seed': args.seed, 'randomSet': random_source},
        'inputShape': list(model.input_shape),
        'images': len(records),
        'correct': sum(r['correct'] for r in records),
        'susceptible': sum(r['eps'] is not None for r in records),
        'wallSeconds': time.perf_counter() - script_started,
        'analysisSeconds': analysis_seconds,
        'imagesPerSecond': len(records) / analysis_seconds,
        'forwardPasses': passes,
        'forwardPassesPerSecond': passes / analysis_seconds,
        'stageSeconds': stages,
        'records': [{k: v for k, v in r.items() if k != 'step'} for r in records],
    }
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    try:
        main(sys.argv[1:])
    except UsageError as error:
        sys.stderr.write(f'protocol.py: {error}\n')
        sys.exit(2)
    except (OSError, ValueError, KeyError) as error:
        sys.stderr.write(f'protocol.py: {type(error).__name__}: {error}\n')
        sys.exit(1)
