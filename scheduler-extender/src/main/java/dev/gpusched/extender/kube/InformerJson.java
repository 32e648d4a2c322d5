package dev.gpusched.extender.kube;

import com.fasterxml.jackson.annotation.JsonIncludeProperties;
import dev.gpusched.extender.model.Annotations;
import dev.gpusched.gang.GangAnnotations;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.model.jackson.Jackson2JdkTypesModule;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * How the Node and Pod informers read the API server's JSON: into fabric8's {@link Pod} and {@link Node}, but only the
 * fields gpusched decides from. Everything else (managedFields, volumes, env, status conditions, images, ...) is
 * skipped by the parser without building an object, and a watch event's object is read as it streams instead of
 * through a tree first (fabric8's default for a polymorphic {@code object}), so decoding costs less CPU as well as
 * less heap. Read here:
 * <ul>
 *   <li>metadata: name, namespace, uid, resourceVersion, creationTimestamp, deletionTimestamp; a pod's labels and
 *       annotations under {@value Annotations#PREFIX} and {@code kro.run/}; a node's labels (the network levels and
 *       GPU feature discovery are read from them) and annotations under {@value Annotations#PREFIX};</li>
 *   <li>a pod's {@code spec.nodeName}, {@code schedulerName} and {@code priority}, the names of its (init) containers
 *       and their requests and limits of {@code cpu}, {@value Annotations#RESOURCE_GPU} and
 *       {@value Annotations#RESOURCE_GPU_MILLI}, {@code status.phase} and {@code startTime}, and the type, status,
 *       reason and message of its conditions;</li>
 *   <li>a node's {@code spec.unschedulable} and the {@code cpu} and {@value Annotations#RESOURCE_GPU} of
 *       {@code status.allocatable} and {@code status.capacity}.</li>
 * </ul>
 * Objects read this way are for the informers only: never write them back to the API.
 */
public final class InformerJson {
  private InformerJson() {}

  /** The serialization of the informers' client. */
  public static KubernetesSerialization serialization() {
    JsonMapper mapper = JsonMapper.builderWithJackson2Defaults().addModule(new Jackson2JdkTypesModule())
        .addMixIn(WatchEvent.class, WatchEventRead.class)
        .addMixIn(Pod.class, PodRead.class)
        .addMixIn(PodSpec.class, PodSpecRead.class)
        .addMixIn(Container.class, ContainerRead.class)
        .addMixIn(ResourceRequirements.class, ResourcesRead.class)
        .addMixIn(PodStatus.class, PodStatusRead.class)
        .addMixIn(PodCondition.class, PodConditionRead.class)
        .addMixIn(Node.class, NodeRead.class)
        .addMixIn(NodeSpec.class, NodeSpecRead.class)
        .addMixIn(NodeStatus.class, NodeStatusRead.class)
        .build();
    return new KubernetesSerialization(mapper, true);
  }

  /** Pod labels and annotations gpusched reads: its own keys and kro's (gang and owner intent). */
  static boolean podKeyRead(String key) {
    return key.startsWith(Annotations.PREFIX) || key.startsWith(KRO_PREFIX);
  }

  private static final String KRO_PREFIX = GangAnnotations.KRO_INSTANCE_NAME.substring(0,
      GangAnnotations.KRO_INSTANCE_NAME.indexOf('/') + 1);

  /** Resources a pod's demand is read from. */
  static boolean podResourceRead(String name) {
    return name.equals("cpu") || name.equals(Annotations.RESOURCE_GPU) || name.equals(Annotations.RESOURCE_GPU_MILLI);
  }

  /** Resources a node's capacity is read from. */
  static boolean nodeResourceRead(String name) {
    return name.equals("cpu") || name.equals(Annotations.RESOURCE_GPU);
  }

  // --- what is read of each type (Jackson mix-ins: annotations applied to fabric8's classes in this mapper only)

  abstract static class WatchEventRead {
    @JsonDeserialize(using = StreamedObject.class)
    Object object;
  }

  @JsonIncludeProperties({"metadata", "spec", "status"})
  abstract static class PodRead {
    @JsonDeserialize(using = PodMetadata.class)
    ObjectMeta metadata;
  }

  @JsonIncludeProperties({"nodeName", "containers", "initContainers", "schedulerName", "priority"})
  abstract static class PodSpecRead {}

  @JsonIncludeProperties({"name", "resources"})
  abstract static class ContainerRead {}

  @JsonIncludeProperties({"requests", "limits"})
  abstract static class ResourcesRead {
    @JsonDeserialize(using = PodQuantities.class)
    Map<String, Quantity> requests;
    @JsonDeserialize(using = PodQuantities.class)
    Map<String, Quantity> limits;
  }

  @JsonIncludeProperties({"phase", "startTime", "conditions"})
  abstract static class PodStatusRead {}

  @JsonIncludeProperties({"type", "status", "reason", "message"})
  abstract static class PodConditionRead {}

  @JsonIncludeProperties({"metadata", "spec", "status"})
  abstract static class NodeRead {
    @JsonDeserialize(using = NodeMetadata.class)
    ObjectMeta metadata;
  }

  @JsonIncludeProperties({"unschedulable"})
  abstract static class NodeSpecRead {}

  @JsonIncludeProperties({"allocatable", "capacity"})
  abstract static class NodeStatusRead {
    @JsonDeserialize(using = NodeQuantities.class)
    Map<String, Quantity> allocatable;
    @JsonDeserialize(using = NodeQuantities.class)
    Map<String, Quantity> capacity;
  }

  // --- readers

  /** ObjectMeta with the identity fields and the labels and annotations a predicate keeps; the rest skipped. */
  abstract static class MetadataReader extends ValueDeserializer<ObjectMeta> {
    abstract boolean labelRead(String key);

    abstract boolean annotationRead(String key);

    @Override
    public ObjectMeta deserialize(JsonParser p, DeserializationContext ctxt) {
      ObjectMeta meta = new ObjectMeta();
      expectObject(p, ctxt);
      for (String name = p.nextName(); name != null; name = p.nextName()) {
        JsonToken value = p.nextToken();
        switch (name) {
          case "name" -> meta.setName(text(p, value));
          case "namespace" -> meta.setNamespace(text(p, value));
          case "uid" -> meta.setUid(text(p, value));
          case "resourceVersion" -> meta.setResourceVersion(text(p, value));
          case "creationTimestamp" -> meta.setCreationTimestamp(text(p, value));
          case "deletionTimestamp" -> meta.setDeletionTimestamp(text(p, value));
          case "labels" -> meta.setLabels(strings(p, ctxt, value, this::labelRead));
          case "annotations" -> meta.setAnnotations(strings(p, ctxt, value, this::annotationRead));
          default -> p.skipChildren();
        }
      }
      return meta;
    }
  }

  static final class PodMetadata extends MetadataReader {
    @Override
    boolean labelRead(String key) {
      return podKeyRead(key);
    }

    @Override
    boolean annotationRead(String key) {
      return podKeyRead(key);
    }
  }

  static final class NodeMetadata extends MetadataReader {
    @Override
    boolean labelRead(String key) {
      return true;
    }

    @Override
    boolean annotationRead(String key) {
      return key.startsWith(Annotations.PREFIX);
    }
  }

  /** A resource list with only the resources a predicate keeps. */
  abstract static class QuantityReader extends ValueDeserializer<Map<String, Quantity>> {
    abstract boolean read(String resource);

    @Override
    public Map<String, Quantity> deserialize(JsonParser p, DeserializationContext ctxt) {
      expectObject(p, ctxt);
      Map<String, Quantity> out = new LinkedHashMap<>(4);
      for (String name = p.nextName(); name != null; name = p.nextName()) {
        JsonToken value = p.nextToken();
        if (value != JsonToken.VALUE_NULL && read(name)) {
          out.put(name, ctxt.readValue(p, Quantity.class));
        } else {
          p.skipChildren();
        }
      }
      return out;
    }
  }

  static final class PodQuantities extends QuantityReader {
    @Override
    boolean read(String resource) {
      return podResourceRead(resource);
    }
  }

  static final class NodeQuantities extends QuantityReader {
    @Override
    boolean read(String resource) {
      return nodeResourceRead(resource);
    }
  }

  /**
   * A watch event's object as it streams: the API server writes {@code kind} and {@code apiVersion} first, so the
   * type is known before the rest is read. An object that names them later is read through a tree, as fabric8 does.
   */
  static final class StreamedObject extends ValueDeserializer<Object> {
    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) {
      expectObject(p, ctxt);
      String kind = null;
      String apiVersion = null;
      String name = p.nextName();
      while (name != null && (kind == null || apiVersion == null)) {
        if (name.equals("kind") && kind == null) {
          kind = p.nextStringValue();
        } else if (name.equals("apiVersion") && apiVersion == null) {
          apiVersion = p.nextStringValue();
        } else {
          break;
        }
        name = p.nextName();
      }
      Class<?> type = typeOf(apiVersion, kind);
      if (type != null && kind != null && apiVersion != null) {
        // the parser is on the next property (or the end): bean deserializers continue from there
        return ctxt.findRootValueDeserializer(ctxt.constructType(type)).deserialize(p, ctxt);
      }
      ObjectNode tree = ctxt.getNodeFactory().objectNode();
      if (kind != null) {
        tree.put("kind", kind);
      }
      if (apiVersion != null) {
        tree.put("apiVersion", apiVersion);
      }
      for (; name != null; name = p.nextName()) {
        p.nextToken();
        tree.set(name, ctxt.readTree(p));
      }
      JsonNode k = tree.get("kind");
      JsonNode v = tree.get("apiVersion");
      type = typeOf(v == null ? null : v.asString(), k == null ? null : k.asString());
      Class<?> target = type == null ? GenericKubernetesResource.class : type;
      return ctxt.readTreeAsValue(tree, target);
    }

    private static Class<?> typeOf(String apiVersion, String kind) {
      if (!"v1".equals(apiVersion) || kind == null) {
        return null;
      }
      return switch (kind) {
        case "Pod" -> Pod.class;
        case "Node" -> Node.class;
        case "Status" -> Status.class;
        default -> null;
      };
    }
  }

  private static void expectObject(JsonParser p, DeserializationContext ctxt) {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      ctxt.reportInputMismatch(ObjectMeta.class, "expected a JSON object, found %s", p.currentToken());
    }
  }

  private static String text(JsonParser p, JsonToken value) {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_STRING) {
      p.skipChildren();
      return null;
    }
    return p.getString();
  }

  private static Map<String, String> strings(JsonParser p, DeserializationContext ctxt, JsonToken value,
      Predicate<String> read) {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    expectObject(p, ctxt);
    Map<String, String> out = new LinkedHashMap<>(4);
    for (String key = p.nextName(); key != null; key = p.nextName()) {
      JsonToken v = p.nextToken();
      if (v == JsonToken.VALUE_STRING && read.test(key)) {
        out.put(key, p.getString());
      } else {
        p.skipChildren();
      }
    }
    return out;
  }
}
