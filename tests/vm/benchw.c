// SPDX-License-Identifier: GPL-2.0
/*
 * Time N frequency changes through scaling_setspeed from userspace, the
 * way tools without settle do, and print the median and p90 duration of
 * the write(): run once without and once with settle.ko (and its
 * recorder) in the same VM boot, the ratio is settle's overhead on the
 * transition path.
 *
 * usage: benchw CPU RATE_A RATE_B N
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long long *d;
	char path[128];
	int fd, n, i;

	if (argc != 5 || (n = atoi(argv[4])) < 2) {
		fprintf(stderr, "usage: benchw CPU RATE_A RATE_B N\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%s/cpufreq/scaling_setspeed",
		 argv[1]);
	fd = open(path, O_WRONLY);
	d = calloc(n, sizeof(*d));
	if (fd < 0 || !d) {
		perror(path);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const char *r = argv[2 + (i & 1)];
		unsigned long long t0 = now_ns();

		if (pwrite(fd, r, strlen(r), 0) < 0) {
			perror("write");
			return 1;
		}
		d[i] = now_ns() - t0;
		usleep(2000);
	}
	qsort(d, n, sizeof(*d), cmp);
	printf("%llu %llu\n", d[n / 2], d[(n - 1) * 9 / 10]);
	return 0;
}
