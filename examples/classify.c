/* SPDX-License-Identifier: Apache-2.0 */
/* Classify an image with the model of a MODEL resource.
 *   VACCEL_PLUGINS=<plugin> ./classify <image> [iterations] [model] */
#include <vaccel.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int read_file(const char *path, char **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return VACCEL_ENOENT;
	if (fseek(f, 0, SEEK_END) || ftell(f) <= 0) {
		fclose(f);
		return VACCEL_EIO;
	}
	*size = (size_t)ftell(f);
	rewind(f);
	*data = malloc(*size);
	if (!*data || fread(*data, 1, *size, f) != *size) {
		free(*data);
		fclose(f);
		return VACCEL_EIO;
	}
	fclose(f);
	return VACCEL_OK;
}

int main(int argc, char *argv[])
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "Usage: %s <image> [iterations] [model]\n", argv[0]);
		return 2;
	}
	char *image = NULL;
	size_t image_size = 0;
	unsigned char tag[512] = { 0 }, imgname[512] = { 0 };
	struct vaccel_session sess;
	struct vaccel_resource model = { .id = 0 };
	int ret = read_file(argv[1], &image, &image_size);
	if (ret) {
		fprintf(stderr, "Could not read %s\n", argv[1]);
		return 1;
	}
	ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session: %d\n", ret);
		free(image);
		return 1;
	}
	if (argc == 4) {
		ret = vaccel_resource_init(&model, argv[3], VACCEL_RESOURCE_MODEL);
		if (!ret)
			ret = vaccel_resource_register(&model, &sess);
		if (ret) {
			fprintf(stderr, "Could not use model %s: %d\n", argv[3], ret);
			goto out;
		}
	}
	const int iter = argc > 2 ? atoi(argv[2]) : 1;
	for (int i = 0; i < iter && !ret; i++) {
		ret = vaccel_image_classification(&sess, image, tag, imgname,
						  image_size, sizeof(tag),
						  sizeof(imgname));
		if (!ret)
			printf("classification tags: %s\n", tag);
	}
	if (ret)
		fprintf(stderr, "Could not run op: %d\n", ret);
out:
	if (model.id > 0)
		vaccel_resource_release(&model);
	vaccel_session_release(&sess);
	free(image);
	return ret ? 1 : 0;
}
