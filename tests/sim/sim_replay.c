// SPDX-License-Identifier: GPL-2.0
/*
 * settle_sim replay profiles: per domain, the stall and settle each
 * transition replays, written at run time to debugfs settle_sim/profile
 * (CPU), profile_gpu and profile_emc.
 *
 * One transition a line: "stall_us settle_us" for any rate pair, or
 * "from_khz to_khz stall_us settle_us" for one (microseconds with up to
 * three decimals); '#' starts a comment line.  Entries of one pair replay
 * cyclically, in order, for the transitions of that pair; a pair the
 * profile lacks uses the any-pair entries, else the nearest pair of the
 * same direction, else the nearest pair.  A read gives the profile in
 * force, grouped by pair, three decimals.
 *
 * The real profiles (tools/profiles/orin-nano-*.profile) are derived from
 * Apache-2.0 data, so they are loaded at run time rather than compiled into
 * this GPL-2.0 module; until then one synthetic entry a domain of the real
 * magnitude stands in.
 */
#include "sim_core.h"

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define SIM_PROFILE_MAX_WRITE	(256 * 1024)
/* Rate pairs one profile may distinguish */
#define SIM_PROFILE_PAIRS	64

struct sim_delay {
	u32 stall_ns;
	u32 settle_ns;
};

/**
 * struct sim_pair - the replay entries of one rate pair
 * @from_khz: rate before; 0 with @to_khz 0: any pair ("stall settle" lines)
 * @to_khz: rate after
 * @first: index of the pair's first entry in &sim_profile.d
 * @len: number of entries
 * @pos: next entry to replay, relative to @first
 */
struct sim_pair {
	u32 from_khz;
	u32 to_khz;
	unsigned int first;
	unsigned int len;
	unsigned int pos;
};

struct sim_profile {
	unsigned int npairs;
	struct sim_pair pair[SIM_PROFILE_PAIRS];
	struct sim_delay d[];
};

/* One replay per domain; all CPUs consume the CPU domain's. */
static DEFINE_MUTEX(sim_profile_lock);
static struct sim_profile *sim_profiles[SIM_DOMAINS];

/* Until a profile is loaded one synthetic entry of the real magnitude. */
static const struct sim_delay sim_default_delay[SIM_DOMAINS] = {
	[SIM_CPU] = { 1000 * NSEC_PER_USEC, 2000 * NSEC_PER_USEC },
	[SIM_GPU] = { 5000 * NSEC_PER_USEC, 7000 * NSEC_PER_USEC },
	[SIM_EMC] = { 9000 * NSEC_PER_USEC, 13000 * NSEC_PER_USEC },
};

static const char *const sim_profile_files[SIM_DOMAINS] = {
	[SIM_CPU] = "profile",
	[SIM_GPU] = "profile_gpu",
	[SIM_EMC] = "profile_emc",
};


static u64 sim_dist(u32 a, u32 b)
{
	return a > b ? a - b : b - a;
}

/*
 * The pair whose entries a transition from @from to @to replays: the same
 * pair, else any-pair entries, else the nearest pair of the same direction,
 * else the nearest pair.
 */
static struct sim_pair *sim_profile_pick(struct sim_profile *prof,
					 u32 from, u32 to)
{
	struct sim_pair *p, *best = NULL;
	u64 score, best_score = U64_MAX;
	unsigned int i;

	for (i = 0; i < prof->npairs; i++) {
		p = &prof->pair[i];
		if (p->from_khz == from && p->to_khz == to)
			return p;
		if (!p->from_khz && !p->to_khz) {
			score = 0;
		} else {
			score = 1 + sim_dist(p->from_khz, from) +
				sim_dist(p->to_khz, to);
			if ((p->to_khz > p->from_khz) != (to > from))
				score += 1ULL << 40;
		}
		if (score < best_score) {
			best_score = score;
			best = p;
		}
	}
	return best;
}


static void sim_seq_us(struct seq_file *m, u32 ns, char end)
{
	seq_printf(m, "%u.%03u%c", ns / 1000, ns % 1000, end);
}

static int sim_profile_show(struct seq_file *m, void *v)
{
	struct sim_profile **slot = m->private;
	const struct sim_profile *prof;
	const struct sim_pair *p;
	unsigned int k, i;

	mutex_lock(&sim_profile_lock);
	prof = *slot;
	for (k = 0; k < prof->npairs; k++) {
		p = &prof->pair[k];
		for (i = p->first; i < p->first + p->len; i++) {
			if (p->from_khz || p->to_khz)
				seq_printf(m, "%u %u ", p->from_khz, p->to_khz);
			sim_seq_us(m, prof->d[i].stall_ns, ' ');
			sim_seq_us(m, prof->d[i].settle_ns, '\n');
		}
	}
	mutex_unlock(&sim_profile_lock);
	return 0;
}

static int sim_profile_open(struct inode *inode, struct file *file)
{
	return single_open(file, sim_profile_show, inode->i_private);
}

/*
 * Parse a decimal microsecond value with at most three fractional digits
 * ("519.31") into ns.  Advances *s past the number and trailing blanks.
 */
static int sim_parse_us(char **s, u32 max_us, u32 *ns)
{
	char *p = skip_spaces(*s);
	u64 whole = 0, frac = 0;
	unsigned int nfrac = 0;

	if (!isdigit(*p))
		return -EINVAL;
	while (isdigit(*p)) {
		whole = whole * 10 + (*p++ - '0');
		if (whole > max_us)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		while (isdigit(*p)) {
			if (++nfrac > 3)
				return -EINVAL;
			frac = frac * 10 + (*p++ - '0');
		}
		if (!nfrac)
			return -EINVAL;
		while (nfrac++ < 3)
			frac *= 10;
	}
	if (*p && !isspace(*p))
		return -EINVAL;
	if (whole * 1000 + frac > (u64)max_us * 1000)
		return -ERANGE;
	*ns = whole * 1000 + frac;
	*s = skip_spaces(p);
	return 0;
}

/* Parse a rate in kHz (> 0).  Advances *s past it and trailing blanks. */
static int sim_parse_khz(char **s, u32 *khz)
{
	char *p = skip_spaces(*s), *end = p;
	char c;
	int ret;

	while (isdigit(*end))
		end++;
	if (end == p || (*end && !isspace(*end)))
		return -EINVAL;
	c = *end;
	*end = '\0';
	ret = kstrtou32(p, 10, khz);
	*end = c;
	if (!ret && !*khz)
		ret = -EINVAL;
	*s = skip_spaces(end);
	return ret;
}

static unsigned int sim_count_fields(const char *p)
{
	unsigned int n = 0;

	for (;;) {
		p = skip_spaces(p);
		if (!*p)
			return n;
		n++;
		while (*p && !isspace(*p))
			p++;
	}
}

/* Index of the pair (@from, @to) in @prof, or @prof->npairs. */
static unsigned int sim_pair_find(const struct sim_profile *prof,
				  u32 from, u32 to)
{
	unsigned int k;

	for (k = 0; k < prof->npairs; k++)
		if (prof->pair[k].from_khz == from && prof->pair[k].to_khz == to)
			break;
	return k;
}

struct sim_entry {
	u32 from_khz;
	u32 to_khz;
	struct sim_delay d;
};

/* Group @n entries by rate pair, keeping their order within a pair. */
static struct sim_profile *sim_profile_group(const struct sim_entry *e,
					     unsigned int n)
{
	struct sim_profile *prof;
	struct sim_pair *p;
	unsigned int i, k;

	prof = kvzalloc(struct_size(prof, d, n), GFP_KERNEL);
	if (!prof)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < n; i++) {
		k = sim_pair_find(prof, e[i].from_khz, e[i].to_khz);
		if (k == SIM_PROFILE_PAIRS) {
			pr_err("profile: more than %d rate pairs\n",
			       SIM_PROFILE_PAIRS);
			kvfree(prof);
			return ERR_PTR(-E2BIG);
		}
		if (k == prof->npairs) {
			prof->pair[k].from_khz = e[i].from_khz;
			prof->pair[k].to_khz = e[i].to_khz;
			prof->npairs++;
		}
		prof->pair[k].len++;
	}
	for (k = 1; k < prof->npairs; k++)
		prof->pair[k].first = prof->pair[k - 1].first +
				      prof->pair[k - 1].len;
	for (i = 0; i < n; i++) {
		p = &prof->pair[sim_pair_find(prof, e[i].from_khz, e[i].to_khz)];
		prof->d[p->first + p->pos++] = e[i].d;
	}
	for (k = 0; k < prof->npairs; k++)
		prof->pair[k].pos = 0;
	return prof;
}

/*
 * One transition a line: "stall_us settle_us" for any rate pair, or
 * "from_khz to_khz stall_us settle_us" for one; '#' starts a comment line.
 */
static struct sim_profile *sim_profile_parse(char *text)
{
	unsigned int nlines = 1, lineno = 0, n = 0, nf;
	struct sim_profile *prof;
	struct sim_entry *e;
	char *line, *p;
	int ret;

	for (p = text; *p; p++)
		nlines += *p == '\n';
	e = kvmalloc_array(nlines, sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);

	while ((line = strsep(&text, "\n"))) {
		lineno++;
		p = skip_spaces(line);
		if (!*p || *p == '#')
			continue;
		nf = sim_count_fields(p);
		e[n].from_khz = 0;
		e[n].to_khz = 0;
		ret = nf == 2 || nf == 4 ? 0 : -EINVAL;
		if (!ret && nf == 4) {
			ret = sim_parse_khz(&p, &e[n].from_khz);
			if (!ret)
				ret = sim_parse_khz(&p, &e[n].to_khz);
		}
		if (!ret)
			ret = sim_parse_us(&p, SIM_MAX_STALL_US,
					   &e[n].d.stall_ns);
		if (!ret)
			ret = sim_parse_us(&p, SIM_MAX_SETTLE_US,
					   &e[n].d.settle_ns);
		if (!ret && *p)
			ret = -EINVAL;
		if (ret) {
			pr_err("profile line %u: want \"[from_khz to_khz] stall_us settle_us\" (stall <= %d, settle <= %d)\n",
			       lineno, SIM_MAX_STALL_US, SIM_MAX_SETTLE_US);
			prof = ERR_PTR(-EINVAL);
			goto out_free_entries;
		}
		n++;
	}
	if (!n) {
		pr_err("profile: no entries\n");
		prof = ERR_PTR(-EINVAL);
		goto out_free_entries;
	}
	prof = sim_profile_group(e, n);
out_free_entries:
	kvfree(e);
	return prof;
}

/*
 * The whole profile must come in one write(); it replaces the old one and
 * restarts the replay of every pair at its first entry.
 */
static ssize_t sim_profile_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	struct sim_profile **slot = file_inode(file)->i_private;
	struct sim_profile *prof, *old;
	char *text;

	if (*ppos) {
		pr_err("profile: write it in a single write() call\n");
		return -EINVAL;
	}
	if (count > SIM_PROFILE_MAX_WRITE)
		return -EFBIG;
	text = kvmalloc(count + 1, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	if (copy_from_user(text, buf, count)) {
		kvfree(text);
		return -EFAULT;
	}
	text[count] = '\0';
	prof = sim_profile_parse(text);
	kvfree(text);
	if (IS_ERR(prof))
		return PTR_ERR(prof);

	mutex_lock(&sim_profile_lock);
	old = *slot;
	*slot = prof;
	mutex_unlock(&sim_profile_lock);
	kvfree(old);

	*ppos += count;
	return count;
}

static const struct file_operations sim_profile_fops = {
	.owner = THIS_MODULE,
	.open = sim_profile_open,
	.read = seq_read,
	.write = sim_profile_write,
	.llseek = seq_lseek,
	.release = single_release,
};


static void sim_profiles_free(void)
{
	unsigned int d;

	for (d = 0; d < SIM_DOMAINS; d++) {
		kvfree(sim_profiles[d]);
		sim_profiles[d] = NULL;
	}
}

static int sim_profiles_alloc(void)
{
	struct sim_entry e = { 0, 0 };
	unsigned int d;

	for (d = 0; d < SIM_DOMAINS; d++) {
		e.d = sim_default_delay[d];
		sim_profiles[d] = sim_profile_group(&e, 1);
		if (IS_ERR(sim_profiles[d])) {
			sim_profiles[d] = NULL;
			sim_profiles_free();
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * sim_replay_next() - the stall and settle of the next transition
 * @domain: enum sim_domain
 * @from: rate before, kHz
 * @to: rate requested, kHz
 * @stall_ns: out
 * @settle_ns: out
 *
 * Consumes one entry of the pair sim_profile_pick() chooses.  May sleep.
 */
void sim_replay_next(u32 domain, u32 from, u32 to, u64 *stall_ns,
		     u64 *settle_ns)
{
	struct sim_delay d;
	struct sim_pair *p;

	mutex_lock(&sim_profile_lock);
	p = sim_profile_pick(sim_profiles[domain], from, to);
	d = sim_profiles[domain]->d[p->first + p->pos];
	if (++p->pos >= p->len)
		p->pos = 0;
	mutex_unlock(&sim_profile_lock);
	*stall_ns = d.stall_ns;
	*settle_ns = d.settle_ns;
}

/**
 * sim_replay_debugfs() - create the profile files
 * @dir: settle_sim's debugfs directory
 */
void sim_replay_debugfs(struct dentry *dir)
{
	unsigned int d;

	for (d = 0; d < SIM_DOMAINS; d++)
		debugfs_create_file(sim_profile_files[d], 0644, dir,
				    &sim_profiles[d], &sim_profile_fops);
}

/**
 * sim_replay_init() - install the synthetic default profiles
 *
 * Return: 0 or -ENOMEM.
 */
int sim_replay_init(void)
{
	return sim_profiles_alloc();
}

/**
 * sim_replay_exit() - free the profiles; the debugfs files must be gone
 */
void sim_replay_exit(void)
{
	sim_profiles_free();
}
