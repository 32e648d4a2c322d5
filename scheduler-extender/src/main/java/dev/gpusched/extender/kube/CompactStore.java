package dev.gpusched.extender.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * An informer's store that keeps each object compacted ({@code C}: what gpusched keeps of it) instead of the object
 * the watch delivered, which is dropped once compacted. fabric8 reads stored objects only for its own bookkeeping (the
 * previous object of an update, the objects a relist finds gone); those are rebuilt from the compact form. Like
 * fabric8's {@code ReducedStateItemStore} it does not claim full state, so an informer hands out adds as they are
 * listed. Written by the informer's thread (under its cache's lock); read from any thread.
 *
 * @param <T> the informer's type
 * @param <C> what is kept of one object
 */
final class CompactStore<T extends HasMetadata, C> implements ItemStore<T> {
  private final ConcurrentHashMap<String, C> items = new ConcurrentHashMap<>();
  private final Function<T, C> compact;
  private final Function<C, T> rebuild;

  /**
   * @param compact what to keep of an object (must not fail: a bad field becomes a recorded problem)
   * @param rebuild the object as far as the compact form holds it
   */
  CompactStore(Function<T, C> compact, Function<C, T> rebuild) {
    this.compact = compact;
    this.rebuild = rebuild;
  }

  /** What is kept of the object with this {@code namespace/name} key ({@code name} for a cluster-scoped one), or null. */
  C kept(String key) {
    return items.get(key);
  }

  /** Everything kept, as a list the caller owns. */
  List<C> allKept() {
    return new ArrayList<>(items.values());
  }

  @Override
  public String getKey(T obj) {
    return Cache.metaNamespaceKeyFunc(obj);
  }

  @Override
  public T put(String key, T obj) {
    return rebuilt(items.put(key, compact.apply(obj)));
  }

  @Override
  public T remove(String key) {
    return rebuilt(items.remove(key));
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet().stream();
  }

  @Override
  public Stream<T> values() {
    return items.values().stream().map(rebuild);
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public T get(String key) {
    return rebuilt(items.get(key));
  }

  @Override
  public boolean isFullState() {
    return false;
  }

  private T rebuilt(C kept) {
    return kept == null ? null : rebuild.apply(kept);
  }
}
