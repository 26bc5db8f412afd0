package io.berth.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.berth.core.HostEvents;
import io.berth.core.SingletonLeases;
import io.berth.core.internal.Instants;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cluster's members as this node sees them: Hazelcast's member list, each node's own record (when it joined,
 * its cluster address) in the cluster-wide map {@value #MAP}, and the singletons each holds (from the leases). Node
 * joins and leaves become {@link NodeEvent}s through Hazelcast's own membership listener.
 */
public final class ClusterNodes {

  private static final Logger log = LoggerFactory.getLogger(ClusterNodes.class);

  /** The cluster-wide map of node records: node id to {@code {"address", "joinedAt"}}. */
  static final String MAP = "berth.nodes";
  /** Where {@code HazelcastClusterManager} keeps a member's Vert.x node id (not the member's own UUID). */
  private static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final String nodeId;
  private final HostEvents events;
  private final SingletonLeases leases;
  /** When this node first saw each member: the fallback for a member whose own record is not there yet. */
  private final Map<String, Instant> seen = new ConcurrentHashMap<>();
  private final Instant joinedAt = Instant.now();
  private volatile UUID listener;
  private final String clusterName;

  ClusterNodes(Vertx vertx, HazelcastInstance hazelcast, String nodeId, HostEvents events, SingletonLeases leases) {
    this.clusterName = hazelcast.getConfig().getClusterName();
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.nodeId = nodeId;
    this.events = events;
    this.leases = leases;
  }

  /** This node's id: the cluster manager's, also {@code lifetime().nodeId()}. */
  public String nodeId() {
    return nodeId;
  }

  /** The cluster's name ({@code cluster.name}). */
  public String clusterName() {
    return clusterName;
  }

  /** This node's Hazelcast instance (tests end it to simulate a crash). */
  HazelcastInstance hazelcast() {
    return hazelcast;
  }

  /** The members' cluster addresses ({@code host:port}), this node's first. */
  public List<String> members() {
    List<String> result = new ArrayList<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      String a = address(m);
      if (m.localMember()) {
        result.add(0, a);
      } else {
        result.add(a);
      }
    }
    return result;
  }

  /**
   * Every member: {@code {"id", "address", "joinedAt", "self", "singletons": [...]}}, in the cluster's member
   * order (oldest first).
   */
  public Future<JsonArray> nodes() {
    Future<Map<String, JsonObject>> records = map().compose(AsyncMap::entries);
    Future<Map<String, String>> holders = leases == null ? Future.succeededFuture(Map.of()) : leases.holders();
    return Future.all(records, holders).map(v -> {
      Map<String, JsonObject> byId = records.result();
      Map<String, String> held = holders.result();
      JsonArray out = new JsonArray();
      for (Member m : hazelcast.getCluster().getMembers()) {
        String id = id(m);
        JsonObject record = byId.get(id);
        String joined = record != null ? record.getString("joinedAt")
            : Instants.iso(seen.computeIfAbsent(id, k -> Instant.now()));
        JsonArray singletons = new JsonArray();
        held.forEach((name, owner) -> {
          if (owner.equals(id)) {
            singletons.add(name);
          }
        });
        out.add(new JsonObject().put("id", id).put("address", address(m)).put("joinedAt", joined)
            .put("self", m.localMember()).put("singletons", singletons));
      }
      return out;
    });
  }

  /** Mounts {@code GET /api/v1/nodes} (behind the admin API's token check, which covers all of {@code /api/v1}). */
  public void mount(Router router, io.vertx.core.Handler<RoutingContext> auth) {
    router.get("/api/v1/nodes").handler(auth).handler(rc -> nodes().onComplete(ar -> {
      if (ar.succeeded()) {
        rc.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("nodes", ar.result()).encode());
      } else {
        log.warn("GET /api/v1/nodes failed: {}", ar.cause().getMessage());
        rc.response().setStatusCode(503).putHeader("content-type", "application/json")
            .end(new JsonObject().put("error", "cluster_unavailable")
                .put("message", "The cluster's node list could not be read: " + ar.cause().getMessage()).encode());
      }
    }));
  }

  /** Publishes this node's record and starts turning membership changes into node events. */
  Future<Void> start() {
    for (Member m : hazelcast.getCluster().getMembers()) {
      seen.putIfAbsent(id(m), Instant.now());
    }
    listener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        String id = id(e.getMember());
        seen.put(id, Instant.now());
        log.info("Node {} ({}) joined the cluster", id, address(e.getMember()));
        events.publish(NodeEvent.TOPIC, () -> new NodeEvent("joined", id, address(e.getMember()), Instant.now()));
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        String id = id(e.getMember());
        seen.remove(id);
        log.info("Node {} ({}) left the cluster", id, address(e.getMember()));
        events.publish(NodeEvent.TOPIC, () -> new NodeEvent("left", id, address(e.getMember()), Instant.now()));
        // Any survivor may remove the record of a node that left; removing twice is harmless.
        map().compose(m -> m.remove(id)).onFailure(x -> log.debug("Removing node {}'s record: {}", id, x.getMessage()));
      }
    });
    String self = address(hazelcast.getCluster().getLocalMember());
    return map().compose(m -> m.put(nodeId, new JsonObject().put("address", self)
        .put("joinedAt", Instants.iso(joinedAt))));
  }

  /** Stops the node events and removes this node's record. */
  Future<Void> stop() {
    UUID l = listener;
    if (l != null && hazelcast.getLifecycleService().isRunning()) {
      try {
        hazelcast.getCluster().removeMembershipListener(l);
      } catch (RuntimeException e) {
        log.debug("Removing the membership listener: {}", e.getMessage());
      }
    }
    if (!hazelcast.getLifecycleService().isRunning()) {
      return Future.succeededFuture();   // this node is out of the cluster already
    }
    return map().compose(m -> m.remove(nodeId)).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  private Future<AsyncMap<String, JsonObject>> map() {
    return vertx.sharedData().getClusterWideMap(MAP);
  }

  /** The member's Vert.x node id (the attribute Vert.x's cluster manager sets), which is Berth's node id too. */
  static String id(Member m) {
    String id = m.getAttribute(NODE_ID_ATTRIBUTE);
    return id != null ? id : m.getUuid().toString();
  }

  private static String address(Member m) {
    return m.getAddress().getHost() + ":" + m.getAddress().getPort();
  }
}
