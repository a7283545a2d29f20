/* SPDX-License-Identifier: Apache-2.0 */
/* Run a TorchScript image classifier through vaccel_torch_model_run: the
 * program prepares the input tensor itself (here a grayscale PNG, scaled to
 * [0, 1], the input of the Fashion-MNIST model the build trains) and reads
 * the top class from the output tensor.
 *   VACCEL_PLUGINS=<plugin> ./torch_inference <image.png> <model.pt> <labels.txt> [iterations]
 * With VACCEL_PROFILING_ENABLED=1 the load and run times are printed. */
#include <vaccel.h>

#include <inttypes.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SIDE = 28 };

/* The image as SIDE x SIDE floats in [0, 1] (libpng's simplified API
 * converts any PNG to 8-bit gray). */
static int load_png(const char *path, float *pixels)
{
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path))
		return VACCEL_EINVAL;
	img.format = PNG_FORMAT_GRAY;
	if (img.width != SIDE || img.height != SIDE) {
		fprintf(stderr, "%s is %ux%u, the model needs %dx%d\n", path,
			img.width, img.height, SIDE, SIDE);
		png_image_free(&img);
		return VACCEL_EINVAL;
	}
	unsigned char gray[SIDE * SIDE];
	if (!png_image_finish_read(&img, NULL, gray, 0, NULL))
		return VACCEL_EINVAL;
	for (int i = 0; i < SIDE * SIDE; i++)
		pixels[i] = gray[i] / 255.0f;
	return VACCEL_OK;
}

/* The labels file, one class name a line, read once: up to MAX_LABELS
 * names of up to 255 characters. Returns how many were read. */
enum { MAX_LABELS = 1000, MAX_LABEL = 256 };
static char labels[MAX_LABELS][MAX_LABEL];

static int read_labels(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0;
	if (!f)
		return 0;
	char line[MAX_LABEL];
	while (n < MAX_LABELS && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		memcpy(labels[n++], line, strlen(line) + 1);
	}
	fclose(f);
	return n;
}

int main(int argc, char *argv[])
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "Usage: %s <image.png> <model.pt> <labels.txt> [iterations]\n",
			argv[0]);
		return 2;
	}
	static float pixels[SIDE * SIDE];
	if (load_png(argv[1], pixels)) {
		fprintf(stderr, "Could not read %s as a PNG image\n", argv[1]);
		return 1;
	}
	const int nr_labels = read_labels(argv[3]);
	struct vaccel_prof_region load_stats = VACCEL_PROF_REGION_INIT("torch_model_load");
	struct vaccel_prof_region run_stats = VACCEL_PROF_REGION_INIT("torch_model_run");
	struct vaccel_session sess;
	struct vaccel_resource model;
	struct vaccel_torch_tensor *in = NULL;
	const int64_t dims[] = { 1, 1, SIDE, SIDE };
	int ret = vaccel_resource_init(&model, argv[2], VACCEL_RESOURCE_MODEL);
	if (ret) {
		fprintf(stderr, "Could not use model %s: %d\n", argv[2], ret);
		return 1;
	}
	ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session: %d\n", ret);
		vaccel_resource_release(&model);
		return 1;
	}
	ret = vaccel_resource_register(&model, &sess);
	if (ret) {
		fprintf(stderr, "Could not register the model: %d\n", ret);
		goto out;
	}
	vaccel_prof_region_start(&load_stats);
	ret = vaccel_torch_model_load(&sess, &model);
	vaccel_prof_region_stop(&load_stats);
	if (ret) {
		fprintf(stderr, "Could not load the model: %d\n", ret);
		goto out;
	}
	/* The tensor borrows the pixels: they are not freed with it. */
	ret = vaccel_torch_tensor_new(&in, 4, dims, VACCEL_TORCH_FLOAT);
	if (!ret)
		ret = vaccel_torch_tensor_set_data(in, pixels, sizeof pixels);
	if (ret) {
		fprintf(stderr, "Could not make the input tensor: %d\n", ret);
		goto out;
	}
	const int iter = argc > 4 ? atoi(argv[4]) : 1;
	for (int i = 0; i < iter && !ret; i++) {
		struct vaccel_torch_tensor *out = NULL;
		vaccel_prof_region_start(&run_stats);
		ret = vaccel_torch_model_run(&sess, &model, NULL, &in, 1, &out, 1);
		vaccel_prof_region_stop(&run_stats);
		if (ret) {
			fprintf(stderr, "Could not run the model: %d\n", ret);
			break;
		}
		const float *logits = out->data;
		const int64_t n = (int64_t)(out->size / sizeof(float));
		int64_t top = 0;
		for (int64_t k = 1; k < n; k++)
			if (logits[k] > logits[top])
				top = k;
		const char *name = top < nr_labels ? labels[top] : NULL;
		printf("output: %" PRId64 " values, top class %" PRId64 ": %s\n",
		       n, top, name ? name : "(no label)");
		vaccel_torch_tensor_delete(out);
	}
out:
	if (in)
		vaccel_torch_tensor_delete(in);
	if (model.id > 0 && vaccel_resource_refcount(&model) > 0)
		vaccel_resource_unregister(&model, &sess);
	vaccel_session_release(&sess);
	vaccel_resource_release(&model);
	vaccel_prof_region_print(&load_stats);
	vaccel_prof_region_print(&run_stats);
	vaccel_prof_region_release(&load_stats);
	vaccel_prof_region_release(&run_stats);
	return ret ? 1 : 0;
}
