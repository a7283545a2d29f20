#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Train a small CNN on Fashion-MNIST and export it for the vAccel plugins.

Usage: train_fashion_mnist.py <dataset dir> <output dir>

Writes to the output directory:
  model.pt        TorchScript (libtorch: the torch plugin)
  model.onnx      ONNX, opset 11 (OpenCV DNN: the opencv plugin)
  labels.txt      the 10 class names, one a line, in output order
  scale.pt        TorchScript x -> x + x for any dtype: the tests check each
                  tensor dtype through the torch plugin with it
  sample-<i>-<label>.png / .jpg   a few test images
  expected.txt    for each sample: file name, predicted class, 10 logits
  t10k.pngs       the 10,000 test images as PNG, for the accuracy tests:
                  per image a little-endian u32 size, a u8 label, the PNG

The model's input is the image as float 1x1x28x28 with pixels / 255 (0 is a
black background, as in the dataset); the normalisation the training used
is inside the model, so every consumer does the same simple preprocessing.
"""
import gzip
import io
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
	  "Shirt", "Sneaker", "Bag", "Ankle boot"]
# Mean and standard deviation of the training pixels (scaled to 0..1).
MEAN, STD = 0.2860, 0.3530
EPOCHS = 3
SAMPLES = 10


def read_idx(path):
	with gzip.open(path, "rb") as f:
		data = f.read()
	magic, = struct.unpack(">I", data[:4])
	nd = magic & 0xff
	dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
	return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


class Net(nn.Module):
	def __init__(self):
		super().__init__()
		self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
		self.conv2 = nn.Conv2d(16, 32, 5)
		self.fc1 = nn.Linear(32 * 5 * 5, 128)
		self.fc2 = nn.Linear(128, 10)

	def forward(self, x):
		x = (x - MEAN) / STD
		x = F.max_pool2d(F.relu(self.conv1(x)), 2)
		x = F.max_pool2d(F.relu(self.conv2(x)), 2)
		x = torch.flatten(x, 1)
		return self.fc2(F.relu(self.fc1(x)))


class Scale(nn.Module):
	def forward(self, x):
		return x + x


def png_bytes(pixels):
	buf = io.BytesIO()
	Image.fromarray(pixels, mode="L").save(buf, format="PNG")
	return buf.getvalue()


def main():
	src, out = sys.argv[1], sys.argv[2]
	os.makedirs(out, exist_ok=True)
	torch.manual_seed(1)
	np.random.seed(1)
	torch.set_num_threads(2)
	# Denormals in the first steps make CPU training several times slower.
	torch.set_flush_denormal(True)

	tx = read_idx(os.path.join(src, "train-images-idx3-ubyte.gz"))
	ty = read_idx(os.path.join(src, "train-labels-idx1-ubyte.gz"))
	vx = read_idx(os.path.join(src, "t10k-images-idx3-ubyte.gz"))
	vy = read_idx(os.path.join(src, "t10k-labels-idx1-ubyte.gz"))
	to_t = lambda a: torch.from_numpy(a.astype(np.float32) / 255.0).unsqueeze(1)
	train_x, train_y = to_t(tx), torch.from_numpy(ty.astype(np.int64))
	test_x, test_y = to_t(vx), torch.from_numpy(vy.astype(np.int64))

	net = Net()
	opt = torch.optim.Adam(net.parameters(), lr=2e-3)
	sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
	gen = torch.Generator().manual_seed(1)
	start = time.time()
	for epoch in range(EPOCHS):
		net.train()
		perm = torch.randperm(len(train_x), generator=gen)
		for i in range(0, len(perm), 64):
			idx = perm[i:i + 64]
			opt.zero_grad()
			loss = F.cross_entropy(net(train_x[idx]), train_y[idx])
			loss.backward()
			opt.step()
		sched.step()
		net.eval()
		with torch.no_grad():
			pred = net(test_x).argmax(1)
		acc = (pred == test_y).float().mean().item()
		print(f"epoch {epoch + 1}: test accuracy {acc * 100:.2f}% "
		      f"({time.time() - start:.0f} s)", flush=True)
	net.eval()

	example = torch.zeros(1, 1, 28, 28)
	with torch.no_grad():
		traced = torch.jit.trace(net, example)
	traced.save(os.path.join(out, "model.pt"))
	torch.onnx.export(net, example, os.path.join(out, "model.onnx"),
			  opset_version=11, input_names=["input"],
			  output_names=["logits"])
	torch.jit.script(Scale()).save(os.path.join(out, "scale.pt"))
	with open(os.path.join(out, "labels.txt"), "w") as f:
		f.write("\n".join(LABELS) + "\n")

	# Samples: the first test image of each class, as PNG (lossless) and
	# one as JPEG; expected logits come from the pixels the file decodes
	# to, so a plugin that decodes the same way must match them.
	lines = []
	for c in range(SAMPLES):
		i = int(np.nonzero(vy == c)[0][0])
		files = [f"sample-{c}-png.png"]
		Image.fromarray(vx[i], mode="L").save(os.path.join(out, files[0]))
		if c < 3:
			files.append(f"sample-{c}-jpg.jpg")
			Image.fromarray(vx[i], mode="L").save(
				os.path.join(out, files[1]), quality=95)
		for name in files:
			pix = np.asarray(Image.open(os.path.join(out, name)).convert("L"))
			with torch.no_grad():
				logits = net(to_t(pix[None]))[0]
			lines.append(" ".join([name, str(int(logits.argmax()))] +
					      [f"{v:.6f}" for v in logits.tolist()]))
	with open(os.path.join(out, "expected.txt"), "w") as f:
		f.write("\n".join(lines) + "\n")

	with open(os.path.join(out, "t10k.pngs"), "wb") as f:
		for img, lab in zip(vx, vy):
			data = png_bytes(img)
			f.write(struct.pack("<IB", len(data), int(lab)))
			f.write(data)
	print(f"fashion-mnist: test accuracy {acc * 100:.2f}%, "
	      f"{time.time() - start:.0f} s", flush=True)
	if acc < 0.88:
		sys.exit("fashion-mnist: accuracy below 88%")


if __name__ == "__main__":
	main()
