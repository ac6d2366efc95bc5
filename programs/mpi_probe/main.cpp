// SPDX-License-Identifier: Apache-2.0
// clustersim_mpi_probe: the MPI calibration sweeps, run as ranks under mpirun by
// `clustersim calibrate`. Ranks 0 and 1 ping-pong messages (one-way time = round trip / 2),
// then exchange them (each sends to the other at once, as a ring rotation does); then every
// rank takes part in MPI_Allreduce (sum of floats). Sizes double from 8 B to --max-bytes; each
// size is warmed up (connections, buffers, protocol switch) before it is timed. Rank 0 prints
// one line per measurement on stdout, comma-separated:
//   library,<MPI_Get_library_version, first line>
//   pingpong,<bytes>,<repetition>,<iterations>,<seconds one way>
//   exchange,<bytes>,<repetition>,<iterations>,<seconds per exchange, slower of ranks 0 and 1>
//   allreduce,<bytes>,<repetition>,<iterations>,<seconds per call, slowest rank>
// Usage: clustersim_mpi_probe [--max-bytes N] [--repetitions R]
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Options {
  long long max_bytes = 64ll << 20;
  int repetitions = 5;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long long value = std::atoll(argv[i + 1]);
    if (flag == "--max-bytes") o.max_bytes = value;
    else if (flag == "--repetitions") o.repetitions = static_cast<int>(value);
    else {
      std::fprintf(stderr, "clustersim_mpi_probe: unknown option %s\n", flag.c_str());
      std::exit(2);
    }
  }
  if (o.max_bytes < 8 || o.repetitions < 1) {
    std::fprintf(stderr, "clustersim_mpi_probe: need --max-bytes >= 8 and --repetitions >= 1\n");
    std::exit(2);
  }
  return o;
}

/// Enough calls that a repetition of small messages is not one clock tick, few for large ones.
int iterations_for(long long bytes) {
  const long long target_bytes = 32ll << 20;
  return static_cast<int>(std::clamp(target_bytes / bytes, 5ll, 1000ll));
}

double pingpong_one_way(int rank, char* buffer, long long bytes, int iterations) {
  const int count = static_cast<int>(bytes);
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  for (int i = 0; i < iterations; ++i) {
    if (rank == 0) {
      MPI_Send(buffer, count, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(buffer, count, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(buffer, count, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buffer, count, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    }
  }
  return (MPI_Wtime() - start) / iterations / 2;
}

/// Ranks 0 and 1 send `bytes` to each other at once, as a ring rotation moves a shard: two
/// halves (K and V) posted as non-blocking sends and receives, then one wait for all. The others
/// wait at the reduce.
double exchange_seconds(int rank, char* out, char* in, long long bytes, int iterations) {
  const int first = static_cast<int>(bytes / 2), second = static_cast<int>(bytes - bytes / 2);
  const int peer = 1 - rank;
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  if (rank < 2)
    for (int i = 0; i < iterations; ++i) {
      MPI_Request requests[4];
      MPI_Irecv(in, first, MPI_BYTE, peer, 0, MPI_COMM_WORLD, &requests[0]);
      MPI_Irecv(in + first, second, MPI_BYTE, peer, 1, MPI_COMM_WORLD, &requests[1]);
      MPI_Isend(out, first, MPI_BYTE, peer, 0, MPI_COMM_WORLD, &requests[2]);
      MPI_Isend(out + first, second, MPI_BYTE, peer, 1, MPI_COMM_WORLD, &requests[3]);
      MPI_Waitall(4, requests, MPI_STATUSES_IGNORE);
    }
  const double mine = rank < 2 ? (MPI_Wtime() - start) / iterations : 0;
  double slower = 0;
  MPI_Reduce(&mine, &slower, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  return slower;
}

double allreduce_seconds(float* in, float* out, long long bytes, int iterations) {
  const int count = static_cast<int>(bytes / sizeof(float));
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  for (int i = 0; i < iterations; ++i) MPI_Allreduce(in, out, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  const double mine = (MPI_Wtime() - start) / iterations;
  double slowest = 0;
  MPI_Reduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  return slowest;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const Options options = parse(argc, argv);
  if (size < 2) {
    if (rank == 0) std::fprintf(stderr, "clustersim_mpi_probe: needs at least 2 ranks, got %d\n", size);
    MPI_Finalize();
    return 2;
  }
  if (rank == 0) {
    char version[MPI_MAX_LIBRARY_VERSION_STRING] = {};
    int length = 0;
    MPI_Get_library_version(version, &length);
    std::string first_line(version, std::strcspn(version, "\n,"));
    std::printf("library,%s\n", first_line.c_str());
  }
  std::vector<char> message(static_cast<std::size_t>(options.max_bytes), 1), incoming(message.size());
  std::vector<float> in(static_cast<std::size_t>(options.max_bytes / sizeof(float)), 1.0f), out(in.size());

  for (long long bytes = 8; bytes <= options.max_bytes; bytes *= 2) {
    const int iterations = iterations_for(bytes);
    pingpong_one_way(rank, message.data(), bytes, iterations / 10 + 1);
    for (int r = 0; r < options.repetitions; ++r) {
      const double t = pingpong_one_way(rank, message.data(), bytes, iterations);
      if (rank == 0) std::printf("pingpong,%lld,%d,%d,%.9e\n", bytes, r, iterations, t);
    }
  }
  for (long long bytes = 8; bytes <= options.max_bytes; bytes *= 2) {
    const int iterations = iterations_for(bytes);
    exchange_seconds(rank, message.data(), incoming.data(), bytes, iterations / 10 + 1);
    for (int r = 0; r < options.repetitions; ++r) {
      const double t = exchange_seconds(rank, message.data(), incoming.data(), bytes, iterations);
      if (rank == 0) std::printf("exchange,%lld,%d,%d,%.9e\n", bytes, r, iterations, t);
    }
  }
  for (long long bytes = 8; bytes <= options.max_bytes; bytes *= 2) {
    const int iterations = iterations_for(bytes);
    allreduce_seconds(in.data(), out.data(), bytes, iterations / 10 + 1);
    for (int r = 0; r < options.repetitions; ++r) {
      const double t = allreduce_seconds(in.data(), out.data(), bytes, iterations);
      if (rank == 0) std::printf("allreduce,%lld,%d,%d,%.9e\n", bytes, r, iterations, t);
    }
  }
  std::fflush(stdout);
  MPI_Finalize();
  return 0;
}
