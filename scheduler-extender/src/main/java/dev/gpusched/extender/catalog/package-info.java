/**
 * gpusched's view of the cluster as Backstage catalog entities: a {@code Component} per MLService, a {@code Resource}
 * per GPU pool (GPU product and network leaf) and a {@code System} grouping them, as multi-document YAML that a
 * Backstage instance reads as a URL location ({@code GET /catalog/entities.yaml}, {@code gpusched catalog}).
 *
 * <p>{@link dev.gpusched.extender.catalog.CatalogBuilder} is pure: it reads a cluster snapshot and plain MLService
 * records and decides nothing. {@link dev.gpusched.extender.catalog.MlServiceRecords} turns the informer caches into those
 * records, and {@link dev.gpusched.extender.catalog.CatalogEndpoint} serves the YAML.
 */
package dev.gpusched.extender.catalog;
