/* Persistent worker pool: created once, spin-then-sleep handoff, fixed partitions (see ab_parallel). */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "aberrant.h"

#define AB_MAX_THREADS 64
#define AB_SPIN_NS 2000000L /* how long an idle worker spins before blocking (2 ms: waking a blocked
                               thread costs 40-500 us on virtual machines) */
#define AB_CLAIM_NS 50000L /* a spinning worker claims a task within ~1 us; none in 50 us means it is starved */
#define AB_YIELD_NS 100000L /* how long the caller pause-spins for stragglers before also yielding */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static struct {
  pthread_mutex_t mu;     /* guards sleeping */
  pthread_cond_t cv;
  pthread_mutex_t run_mu; /* one parallel region at a time (several JS threads may share the addon) */
  _Atomic unsigned gen;   /* bumped once per parallel region (idle workers watch it) */
  _Atomic uint64_t work;  /* (generation << 32) | (task count << 16) | next unclaimed task */
  _Atomic int done;       /* tasks of the current region completed */
  _Atomic int sleepers;
  _Atomic int contended;  /* 1 while workers seem to be starved of CPU: they then block instead of spinning */
  int score;              /* caller-side evidence for `contended` */
  ab_task_fn fn;
  void *ctx;
  int nworkers;           /* workers created (ids 1..nworkers) */
  int threads;            /* configured thread count, including the caller */
} P = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, 0, NULL, NULL,
        0, 0 };

/* Claims and runs tasks of region `gen` until none is left (or a newer region has replaced it). Tasks
 * are claimed, not assigned: whichever thread is free first runs the next one, so a worker the OS has
 * descheduled does not stall the region (the caller runs its task instead). What a task computes
 * depends only on its index, so results never depend on which thread ran it. */
static int run_tasks(unsigned gen) {
  uint64_t w = atomic_load_explicit(&P.work, memory_order_acquire);
  int ran = 0;
  for (;; ran++) {
    if ((unsigned)(w >> 32) != gen) return ran;
    const int t = (int)(w & 0xffff), nt = (int)((w >> 16) & 0xffff);
    if (t >= nt) return ran;
    if (!atomic_compare_exchange_weak_explicit(&P.work, &w, w + 1, memory_order_acq_rel, memory_order_acquire)) {
      ran--;
      continue; /* w now holds the current value */
    }
    /* The region cannot end before this task is done, so fn and ctx are still the region's own. */
    P.fn(P.ctx, t, nt);
    atomic_fetch_add_explicit(&P.done, 1, memory_order_acq_rel);
    w = atomic_load_explicit(&P.work, memory_order_acquire);
  }
}

static unsigned start_gen[AB_MAX_THREADS + 1];

static void *worker_main(void *arg) {
  int id = (int)(intptr_t)arg;
  unsigned seen = start_gen[id]; /* the generation current when the worker was created */
  for (;;) {
    unsigned g = atomic_load_explicit(&P.gen, memory_order_acquire);
    if (g == seen) {
      long t0 = now_ns();
      int spins = 0;
      while ((g = atomic_load_explicit(&P.gen, memory_order_acquire)) == seen) {
        cpu_relax();
        if ((++spins & 255) == 0 &&
            (atomic_load_explicit(&P.contended, memory_order_relaxed) || now_ns() - t0 > AB_SPIN_NS)) {
          pthread_mutex_lock(&P.mu);
          atomic_fetch_add(&P.sleepers, 1);
          while ((g = atomic_load(&P.gen)) == seen) pthread_cond_wait(&P.cv, &P.mu);
          atomic_fetch_sub(&P.sleepers, 1);
          pthread_mutex_unlock(&P.mu);
          break;
        }
      }
    }
    seen = g;
    run_tasks(g);
  }
  return NULL;
}

static int default_threads(void) {
  const char *env = getenv("ABERRANT_THREADS");
  if (env && *env) {
    int v = atoi(env);
    if (v >= 1) return v > AB_MAX_THREADS ? AB_MAX_THREADS : v;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  return n > 2 ? 2 : (int)n;
}

int ab_threads(void) {
  if (P.threads == 0) P.threads = default_threads();
  return P.threads;
}

int ab_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > AB_MAX_THREADS) n = AB_MAX_THREADS;
  pthread_mutex_lock(&P.run_mu);
  P.threads = n;
  pthread_mutex_unlock(&P.run_mu);
  return n;
}

/* Caller holds run_mu. Returns the number of workers available. */
static int ensure_workers(int want) {
  while (P.nworkers < want) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* workers never take signals meant for Node */
    pthread_t th;
    start_gen[P.nworkers + 1] = atomic_load(&P.gen);
    int rc = pthread_create(&th, &attr, worker_main, (void *)(intptr_t)(P.nworkers + 1));
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) break;
    P.nworkers++;
  }
  return P.nworkers;
}

void ab_parallel(ab_task_fn fn, void *ctx, int nt) { ab_parallel_tasks(fn, ctx, nt, nt); }

void ab_parallel_tasks(ab_task_fn fn, void *ctx, int nt, int nthreads) {
  if (nthreads > nt) nthreads = nt;
  if (nt > 0xffff) nthreads = 1; /* the task counter has 16 bits: run serially (same partitions) */
  if (nthreads > 1 && nthreads <= AB_MAX_THREADS && pthread_mutex_trylock(&P.run_mu) == 0) {
    if (ensure_workers(nthreads - 1) >= nthreads - 1) {
      P.fn = fn;
      P.ctx = ctx;
      atomic_store_explicit(&P.done, 0, memory_order_relaxed);
      const unsigned gen = atomic_load_explicit(&P.gen, memory_order_relaxed) + 1;
      atomic_store_explicit(&P.work, ((uint64_t)gen << 32) | ((uint64_t)nt << 16), memory_order_release);
      atomic_store(&P.gen, gen); /* seq_cst: pairs with the sleepers check below */
      const int had_sleepers = atomic_load(&P.sleepers) > 0;
      if (had_sleepers) {
        pthread_mutex_lock(&P.mu);
        pthread_cond_broadcast(&P.cv);
        pthread_mutex_unlock(&P.mu);
      }
      const long t_start = now_ns();
      const int ran = run_tasks(gen);
      /* Every task is claimed now; wait for those running on workers: pause-spin; after AB_YIELD_NS also
       * yield (if the machine is oversubscribed, a worker may be waiting for this very core). Waiting
       * much longer than our own share of the work means the workers are starved of CPU (other
       * processes are busy): then switch them to blocking instead of spinning while idle, so they stop
       * competing for the cores; switch back once regions complete promptly again. */
      const long t_own = now_ns();
      long t_wait = 0;
      for (int spins = 1; atomic_load_explicit(&P.done, memory_order_acquire) < nt; spins++) {
        cpu_relax();
        if ((spins & 255) == 0) {
          t_wait = now_ns() - t_own;
          if (t_wait > AB_YIELD_NS) sched_yield();
        }
      }
      /* Evidence that the workers are starved of CPU: a long wait for one, or (while they spin) no worker
       * claiming a task during a region long enough (AB_CLAIM_NS) for a spinning one to have done so.
       * A worker that did claim a task promptly is evidence of the opposite; a region the caller ran
       * alone while workers block or sleep is neutral (they may simply not have woken up yet). */
      const int contended = atomic_load_explicit(&P.contended, memory_order_relaxed);
      int evidence;
      if (t_wait > AB_YIELD_NS && t_wait > (t_own - t_start) / 2) evidence = 1;
      else if (ran == nt) evidence = !contended && !had_sleepers && t_own - t_start > AB_CLAIM_NS ? 1 : 0;
      else evidence = -1;
      if (evidence > 0) P.score = P.score < 8 ? P.score + 2 : 8;
      else if (evidence < 0 && P.score > 0) P.score--;
      if (P.score >= 4 && !contended) atomic_store_explicit(&P.contended, 1, memory_order_relaxed);
      else if (P.score == 0 && contended) atomic_store_explicit(&P.contended, 0, memory_order_relaxed);
      pthread_mutex_unlock(&P.run_mu);
      return;
    }
    pthread_mutex_unlock(&P.run_mu);
  }
  /* Serial fallback runs the very same partitions, so the results are identical. */
  for (int t = 0; t < nt; t++) fn(ctx, t, nt);
}

float *ab_scratch(int slot, size_t floats) {
  static _Thread_local float *buf[AB_SCRATCH_SLOTS];
  static _Thread_local size_t cap[AB_SCRATCH_SLOTS];
  if (floats > cap[slot]) {
    size_t want = floats + floats / 4 + 1024;
    float *nb = aligned_alloc(64, ((want * sizeof(float)) + 63) & ~(size_t)63);
    if (!nb) abort(); /* out of memory for a few hundred KB of packing space */
    free(buf[slot]);
    buf[slot] = nb;
    cap[slot] = want;
  }
  return buf[slot];
}
